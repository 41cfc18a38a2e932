package dev.chatlog.experiments.analysis;

import java.util.Locale;

/**
 * A metric an experiment is read on, by its name ({@code success_rate}, {@code score:helpfulness} ...): what kind of
 * number it is (which test compares it) and which way is better.
 *
 * @param kind {@link Kind#RATE} (a share of 0/1 values), {@link Kind#MEAN}, or {@link Kind#LOG_MEAN} (a time, compared on
 *     its logarithm: times are skewed, and a ratio of geometric means is what "20% slower" means)
 * @param higherIsBetter the direction of an improvement
 */
public record Metric(String name, Kind kind, boolean higherIsBetter) {
    public enum Kind { RATE, MEAN, LOG_MEAN;
        public String dbValue() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The metric of that name; a score is a rate when its definition is boolean, a mean otherwise. */
    public static Metric of(String name, boolean booleanScore) {
        return switch (name) {
            case "success_rate" -> new Metric(name, Kind.RATE, true);
            case "latency_ms", "ttft_ms" -> new Metric(name, Kind.LOG_MEAN, false);
            case "tokens", "cost_per_turn", "cost_per_successful_turn" -> new Metric(name, Kind.MEAN, false);
            default -> {
                if (!name.startsWith("score:")) throw new IllegalArgumentException("unknown metric " + name);
                yield new Metric(name, booleanScore ? Kind.RATE : Kind.MEAN, true);
            }
        }; 
    }

    /** The score name of a {@code score:<name>} metric, else null. */
    public String scoreName() {
        return name.startsWith("score:") ? name.substring(6) : null;
    }
}
