/**
 * Insights: deterministic analyses over the log that say what to change, each finding with its evidence (the calls
 * behind it), its estimated saving per day and per month at the current volume, and how sure it is. No language model
 * is asked: every figure is a sum, a count or a test over stored rows, and the docs say how each one is estimated.
 */
package dev.chatlog.insights;
