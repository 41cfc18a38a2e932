package dev.chatlog.quality.stats;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Agreement between two raters (two evaluators, or a model judge and a human) beyond chance: Cohen's kappa, and the
 * weighted kappa for ordered categories, with the large-sample standard error of Fleiss, Cohen &amp; Everitt (1969,
 * Psychological Bulletin 72:323–327) — the one SAS reports as ASE — and the interval kappa ± z·SE clipped to [-1, 1].
 */
public final class Agreement {
    private Agreement() {}

    /** How much a disagreement between category {@code i} and {@code j} of {@code k} ordered categories still counts. */
    public enum Weights {
        /** Cohen's kappa: only the same category agrees. */
        NONE,
        /** {@code 1 - |i - j| / (k - 1)} (Cicchetti–Allison; what SAS uses by default). */
        LINEAR,
        /** {@code 1 - ((i - j) / (k - 1))^2} (Fleiss–Cohen; close to the intraclass correlation). */
        QUADRATIC;

        double weight(int i, int j, int k) {
            if (i == j || k == 1) {
                return 1;
            }
            double d = Math.abs(i - j) / (double) (k - 1);
            return switch (this) {
                case NONE -> 0;
                case LINEAR -> 1 - d;
                case QUADRATIC -> 1 - d * d;
            };
        }
    }

    /**
     * A kappa. When it is undefined — no pairs, or chance agreement of 1 (both raters used one and the same category
     * only: kappa would be 0/0) — {@code kappa}, {@code standardError} and the interval are NaN and {@code
     * undefinedReason} says why; otherwise {@code undefinedReason} is null.
     *
     * @param observedAgreement the (weighted) share of pairs that agree
     * @param chanceAgreement the (weighted) share expected from the raters' marginal frequencies alone
     */
    public record Kappa(double kappa, double standardError, Interval interval, long pairs, double observedAgreement,
                        double chanceAgreement, Weights weights, String undefinedReason) {
        /** Whether kappa is a number. */
        public boolean defined() {
            return undefinedReason == null;
        }
    }

    /**
     * Kappa from a square contingency table: {@code table[i][j]} counts the items rater A put in category {@code i}
     * and rater B in category {@code j}, categories in their order (which matters only for weights).
     *
     * @throws IllegalArgumentException when the table is null, empty or not square, a count is negative, or {@code
     *     confidence} is not in (0, 1)
     */
    public static Kappa kappa(long[][] table, Weights weights, double confidence) {
        double z = Checks.zCritical(confidence);
        if (weights == null) {
            throw new IllegalArgumentException("weights is null: use Weights.NONE for Cohen's kappa");
        }
        int k = checkSquare(table);
        long n = 0;
        double[] rows = new double[k], cols = new double[k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                n = Math.addExact(n, table[i][j]);
                rows[i] += table[i][j];
                cols[j] += table[i][j];
            }
        }
        if (n == 0) {
            return undefined(0, Double.NaN, Double.NaN, weights, "no pairs: the table is all zeros");
        }
        double[][] w = new double[k][k];
        double po = 0, pe = 0;
        for (int i = 0; i < k; i++) {
            rows[i] /= n;
            cols[i] /= n;
        }
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                w[i][j] = weights.weight(i, j, k);
                po += w[i][j] * table[i][j] / n;
                pe += w[i][j] * rows[i] * cols[j];
            }
        }
        if (1 - pe <= 1e-12) {
            return undefined(n, po, pe, weights,
                    "chance agreement is 1 (both raters used one and the same category only): kappa is 0/0");
        }
        double kappa = (po - pe) / (1 - pe);
        // Fleiss, Cohen & Everitt (1969): the variance of kappa not assuming kappa = 0
        double[] rowMean = new double[k], colMean = new double[k]; // mean weight of A's row, of B's column
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                rowMean[i] += cols[j] * w[i][j];
                colMean[j] += rows[i] * w[i][j];
            }
        }
        double sum = 0;
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                double dev = w[i][j] - (rowMean[i] + colMean[j]) * (1 - kappa);
                sum += table[i][j] / (double) n * dev * dev;
            }
        }
        double shift = kappa - pe * (1 - kappa);
        double se = Math.sqrt(Math.max(0, sum - shift * shift) / (n * (1 - pe) * (1 - pe)));
        Interval interval = new Interval(Math.max(-1, kappa - z * se), Math.min(1, kappa + z * se));
        return new Kappa(kappa, se, interval, n, po, pe, weights, null);
    }

    /**
     * Kappa from two raters' labels, item by item: {@code a.get(i)} and {@code b.get(i)} rate the same item. {@code
     * categories} lists every category in order (a category no one used still counts for the weights).
     *
     * @throws IllegalArgumentException as {@link #table} does, or when {@code confidence} is not in (0, 1)
     */
    public static <T> Kappa kappa(List<? extends T> a, List<? extends T> b, List<? extends T> categories, Weights weights,
                                  double confidence) {
        return kappa(table(a, b, categories), weights, confidence);
    }

    /**
     * The contingency table of two raters' labels: rows rater A's category, columns rater B's, in the order of {@code
     * categories}.
     *
     * @throws IllegalArgumentException when a list is null, the raters' lists differ in length, {@code categories} is
     *     empty or repeats a category, or a label is null or not among the categories
     */
    public static <T> long[][] table(List<? extends T> a, List<? extends T> b, List<? extends T> categories) {
        if (a == null || b == null || categories == null) {
            throw new IllegalArgumentException("the labels of rater A, of rater B and the categories are all required");
        }
        if (a.size() != b.size()) {
            throw new IllegalArgumentException("rater A has " + a.size() + " labels and rater B " + b.size()
                    + ": each item needs a label from both");
        }
        if (categories.isEmpty()) {
            throw new IllegalArgumentException("no categories");
        }
        Map<Object, Integer> index = new HashMap<>();
        for (T c : categories) {
            if (c == null || index.put(c, index.size()) != null) {
                throw new IllegalArgumentException("categories must be distinct and not null: " + categories);
            }
        }
        long[][] table = new long[index.size()][index.size()];
        for (int i = 0; i < a.size(); i++) {
            table[indexOf(index, categories, "A", i, a.get(i))][indexOf(index, categories, "B", i, b.get(i))]++;
        }
        return table;
    }

    private static int indexOf(Map<Object, Integer> index, List<?> categories, String rater, int item, Object label) {
        Integer i = label == null ? null : index.get(label);
        if (i == null) {
            throw new IllegalArgumentException("rater " + rater + "'s label of item " + item + " is " + label
                    + ", not one of the categories " + categories);
        }
        return i;
    }

    private static int checkSquare(long[][] table) {
        if (table == null || table.length == 0) {
            throw new IllegalArgumentException("the table has no categories");
        }
        for (int i = 0; i < table.length; i++) {
            if (table[i] == null || table[i].length != table.length) {
                throw new IllegalArgumentException("the table must be square (" + table.length + " x " + table.length
                        + "): row " + i + " has " + (table[i] == null ? "no" : table[i].length) + " cells");
            }
            for (int j = 0; j < table.length; j++) {
                if (table[i][j] < 0) {
                    throw new IllegalArgumentException("table[" + i + "][" + j + "] is negative: " + table[i][j]);
                }
            }
        }
        return table.length;
    }

    private static Kappa undefined(long n, double po, double pe, Weights weights, String reason) {
        return new Kappa(Double.NaN, Double.NaN, Interval.UNDEFINED, n, po, pe, weights, reason);
    }
}
