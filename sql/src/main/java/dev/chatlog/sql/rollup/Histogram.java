package dev.chatlog.sql.rollup;

import java.util.List;

/**
 * The latency and time-to-first-token histograms of the rollups (bucket edges in milliseconds), and
 * the percentiles read from them or from an exact list of values.
 */
public final class Histogram {
    /** Upper bounds (ms) of the buckets; one more bucket holds the rest. */
    private static final int[] EDGES = {50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 7500, 10000,
            15000, 20000, 30000, 60000};
    public static final int BUCKETS = EDGES.length + 1;

    private Histogram() {}

    /** The bucket edges, upper bounds in milliseconds. */
    public static int[] edges() {
        return EDGES.clone();
    }

    /** The upper bound of bucket {@code i} in milliseconds, or null for the last (open) bucket. */
    public static Integer upperBound(int i) {
        return i < EDGES.length ? EDGES[i] : null;
    }

    /** The lower bound of bucket {@code i} in milliseconds (exclusive; 0 for the first). */
    public static int lowerBound(int i) {
        return i == 0 ? 0 : EDGES[i - 1];
    }

    /** The bucket of a value: the first whose upper bound it does not exceed. */
    public static int bucket(double ms) {
        for (int i = 0; i < EDGES.length; i++) {
            if (ms <= EDGES[i]) return i;
        }
        return EDGES.length;
    }

    /** The bucket whose upper bound is exactly {@code ms}, or -1 when {@code ms} is not an edge. */
    public static int edgeIndex(int ms) {
        return Math.max(-1, java.util.Arrays.binarySearch(EDGES, ms));
    }

    /** The p-th percentile (0–100) of a histogram, linear within its bucket; null when empty. */
    public static Double percentile(long[] counts, double p) {
        return percentile(counts, p, null);
    }

    /**
     * As {@link #percentile(long[], double)}, knowing the largest value counted ({@code maxMs}, null
     * when unknown; 0 is a known 0: lookups that took no time): the bucket that holds it ends there, so fast calls are not
     * reported at their bucket's edge (3 ms calls read as 3 ms, not 25; 0 ms lookups as 0, not 47.5).
     */
    public static Double percentile(long[] counts, double p, Double maxMs) {
        long n = 0;
        for (long c : counts) n += c;
        if (n == 0) return null;
        double rank = p / 100.0 * n;
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] == 0) continue;
            if (seen + counts[i] >= rank) {
                double lo = lowerBound(i);
                double hi = i < EDGES.length ? EDGES[i] : EDGES[EDGES.length - 1] * 2.0;
                if (maxMs != null && maxMs >= 0 && bucket(maxMs) == i) hi = Math.max(lo, maxMs);
                double within = (rank - seen) / counts[i];
                return Math.round((lo + (hi - lo) * Math.max(0, Math.min(1, within))) * 100) / 100.0;
            }
            seen += counts[i];
        }
        return (double) EDGES[EDGES.length - 1];
    }

    /** The nearest-rank p-th percentile of exact values sorted ascending, or null when there are none. */
    public static Double nearestRank(List<Double> sorted, int p) {
        if (sorted.isEmpty()) return null;
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }
}
