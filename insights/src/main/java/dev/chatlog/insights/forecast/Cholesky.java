package dev.chatlog.insights.forecast;

/**
 * The least-squares solve of {@link SpendForecast}: the Cholesky factor of the normal equations' matrix (at most 8×8)
 * and the two triangular solves. Written here: Commons Statistics has no regression, and Commons Math would be a whole
 * library for one small solve.
 */
final class Cholesky {
    private Cholesky() {}

    /** The lower factor L of the symmetric {@code a = L·Lᵀ} (only its lower triangle read), or null when a pivot is
     * below {@code singular} times its diagonal entry (a numerically singular matrix). */
    static double[][] factor(double[][] a, double singular) {
        int p = a.length;
        double[][] l = new double[p][p];
        for (int j = 0; j < p; j++) {
            double d = a[j][j];
            for (int k = 0; k < j; k++) {
                d -= l[j][k] * l[j][k];
            }
            if (!(d > singular * a[j][j])) {
                return null;
            }
            l[j][j] = Math.sqrt(d);
            for (int i = j + 1; i < p; i++) {
                double s = a[i][j];
                for (int k = 0; k < j; k++) {
                    s -= l[i][k] * l[j][k];
                }
                l[i][j] = s / l[j][j];
            }
        }
        return l;
    }

    /** Solves {@code L·z = b}. */
    static double[] forward(double[][] l, double[] b) {
        double[] z = new double[b.length];
        for (int i = 0; i < b.length; i++) {
            double s = b[i];
            for (int k = 0; k < i; k++) {
                s -= l[i][k] * z[k];
            }
            z[i] = s / l[i][i];
        }
        return z;
    }

    /** Solves {@code Lᵀ·x = z}. */
    static double[] backward(double[][] l, double[] z) {
        int p = z.length;
        double[] x = new double[p];
        for (int i = p - 1; i >= 0; i--) {
            double s = z[i];
            for (int k = i + 1; k < p; k++) {
                s -= l[k][i] * x[k];
            }
            x[i] = s / l[i][i];
        }
        return x;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
