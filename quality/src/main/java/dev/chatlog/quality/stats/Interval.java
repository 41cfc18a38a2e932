package dev.chatlog.quality.stats;

/** A confidence interval, {@code lower <= upper}; both NaN when it is undefined (see the result that holds it). */
public record Interval(double lower, double upper) {
    /** The interval of a statistic that has none. */
    public static final Interval UNDEFINED = new Interval(Double.NaN, Double.NaN);

    public Interval {
        if (Double.isNaN(lower) != Double.isNaN(upper) || lower > upper) {
            throw new IllegalArgumentException("not an interval: [" + lower + ", " + upper + "]");
        }
    }

    /** Whether the bounds are numbers. */
    public boolean defined() {
        return !Double.isNaN(lower);
    }
}
