/**
 * Small statistics for quality scores: a proportion's interval and two proportions compared ({@link
 * dev.chatlog.quality.stats.Proportions}), agreement between two raters ({@link dev.chatlog.quality.stats.Agreement}),
 * correlation ({@link dev.chatlog.quality.stats.Correlation}) and a trend across daily values ({@link
 * dev.chatlog.quality.stats.Trend}). Apache Commons Statistics supplies the distributions, the Wilson interval, the
 * chi-square and Fisher tests, ranks and the median; what it lacks (Newcombe's difference interval, kappa, the
 * correlation coefficients with their intervals, Mann–Kendall with Sen's slope) is written here. Undefined statistics
 * are NaN with the reason in the result, never a division by zero; invalid input is an {@link
 * java.lang.IllegalArgumentException} naming what is wrong.
 */
package dev.chatlog.quality.stats;
