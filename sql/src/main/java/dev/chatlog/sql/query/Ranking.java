package dev.chatlog.sql.query;

/**
 * A top-call list: the {@code limit} model calls ranked highest by cost (priced ones only) or by
 * duration, optionally only those slower than {@code overMs}; ties go to the later call.
 */
public record Ranking(By by, Integer overMs, int limit) {
    /** What to rank by: a column of the calls, the rollup's per-bucket maximum of it, and the index in its order. */
    public enum By {
        DURATION("duration_ms", "max_duration_ms", "idx_llm_calls_slowest", "duration_ms >= 0"),
        COST("cost_estimate", "max_cost", "idx_llm_calls_costliest", "cost_estimate IS NOT NULL");

        final String column;
        final String max;
        final String index;
        final String range;

        By(String column, String max, String index, String range) {
            this.column = column;
            this.max = max;
            this.index = index;
            this.range = range;
        }

        public String column() {
            return column;
        }
    }

    public static Ranking costliest(int limit) {
        return new Ranking(By.COST, null, limit);
    }

    public static Ranking slowest(int limit) {
        return new Ranking(By.DURATION, null, limit);
    }

    public static Ranking slowerThan(int ms, int limit) {
        return new Ranking(By.DURATION, ms, limit);
    }

    /** The SQL narrowing the calls to the ranked ones: model calls, priced for cost, over the threshold; binds {@code :over_ms}. */
    public String where() {
        return " AND " + dev.chatlog.sql.rollup.RawSql.MODEL_CALL + (by == By.COST ? " AND cost_estimate IS NOT NULL" : "")
                + (overMs == null ? "" : " AND duration_ms > :over_ms");
    }

    public <T extends org.jdbi.v3.core.statement.SqlStatement<T>> T bind(T q) {
        return overMs == null ? q : q.bind("over_ms", overMs);
    }
}
