/**
 * The statistics an A/B experiment on models and prompts needs to be read honestly: is the traffic split as assigned
 * ({@link dev.chatlog.experiments.stats.SampleRatio}), how many calls each arm needs ({@link
 * dev.chatlog.experiments.stats.SampleSize}), the fixed-horizon comparison of two means from rollups ({@link
 * dev.chatlog.experiments.stats.Welch}, {@link dev.chatlog.experiments.stats.Summary}; for proportions, {@link
 * dev.chatlog.quality.stats.Proportions#compare}), an interval that may be watched while the experiment runs ({@link
 * dev.chatlog.experiments.stats.Sequential}), and p-values adjusted when several metrics or variants are read ({@link
 * dev.chatlog.experiments.stats.Holm}). Apache Commons Statistics supplies the distributions and the chi-square and t
 * tests; the rest is written here, each with its source. Undefined statistics are NaN with the reason in the result;
 * invalid input is an {@link java.lang.IllegalArgumentException} naming what is wrong.
 */
package dev.chatlog.experiments.stats;
