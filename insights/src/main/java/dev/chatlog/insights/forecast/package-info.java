/**
 * Spend forecasts: from a scope's daily spend (the whole application, a model, a function, a budget's scope), the
 * spend of the days ahead with a prediction interval for their sum, and the day a remaining budget runs out ({@link
 * dev.chatlog.insights.forecast.SpendForecast}). The model is a least-squares trend with a weekday pattern, small
 * enough to be solved here; Apache Commons Statistics supplies the t quantile. Too short a history gives no forecast
 * with the reason in the result; invalid input is an {@link java.lang.IllegalArgumentException} naming what is wrong.
 */
package dev.chatlog.insights.forecast;
