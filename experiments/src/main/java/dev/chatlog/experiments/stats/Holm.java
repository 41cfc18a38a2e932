package dev.chatlog.experiments.stats;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Holm's step-down adjustment of p-values for multiple comparisons (Holm 1979, "A simple sequentially rejective
 * multiple test procedure", Scandinavian Journal of Statistics 6:65–70): it controls the family-wise error rate under
 * any dependence between the tests, like Bonferroni, and is never less powerful. Use it when an experiment reads more
 * than one metric, or more than two variants against the control. The computation is R's {@code p.adjust(p, "holm")}:
 * with the m p-values sorted ascending, the i-th (from 1) becomes {@code min(1, max_{j <= i} (m - j + 1) p_(j))}.
 */
public final class Holm {
    private Holm() {}

    /**
     * The Holm-adjusted p-values, in the order of {@code pValues}. Reject a hypothesis at family-wise level alpha
     * when its adjusted p-value is at most alpha. An empty array gives an empty array.
     *
     * @throws IllegalArgumentException when {@code pValues} is null or a value is not in [0, 1] (NaN included: R would
     *     skip an NA, here a missing p-value is an error, because leaving it out would shrink m)
     */
    public static double[] adjust(double[] pValues) {
        if (pValues == null) {
            throw new IllegalArgumentException("pValues is null");
        }
        for (int i = 0; i < pValues.length; i++) {
            if (!(pValues[i] >= 0 && pValues[i] <= 1)) {
                throw new IllegalArgumentException("pValues[" + i + "] is " + pValues[i] + ": a p-value is in [0, 1]");
            }
        }
        int m = pValues.length;
        Integer[] order = IntStream.range(0, m).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble(i -> pValues[i])); // stable: ties keep their input order
        double[] adjusted = new double[m];
        double running = 0;
        for (int rank = 0; rank < m; rank++) {
            int i = order[rank];
            running = Math.max(running, Math.min(1, (m - rank) * pValues[i]));
            adjusted[i] = running;
        }
        return adjusted;
    }
}
