package dev.chatlog.sql;

import dev.chatlog.core.CallType;
import dev.chatlog.core.LlmCall;
import dev.chatlog.core.price.PriceCatalog;
import dev.chatlog.sql.rollup.RawSql;
import dev.chatlog.sql.rollup.RollupWriter;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;

/**
 * Prices stored model calls again with a catalog (after a price change): the calls of a window, in
 * batches by id, each batch one transaction that locks its calls, writes their new cost,
 * {@code priced} and {@code price_version}, and moves everything derived from costs by the same
 * deltas — message totals, conversation summaries, rollups (maxima recomputed where a cost went
 * down) — so the consistency check holds after it, with writers logging meanwhile. Deltas are
 * computed from the locked rows, so a batch retried, or the whole run repeated, counts nothing twice
 * (a second run with the same catalog changes nothing). Calls the application priced itself
 * ({@code price_version = 'caller'}) are left as they are. A dry run reports the same figures and
 * writes nothing.
 */
public final class Repricer {

    private final Jdbi jdbi;
    private final PriceCatalog prices;
    private final int batchSize;

    public Repricer(Jdbi jdbi, PriceCatalog prices, int batchSize) {
        this.jdbi = jdbi;
        this.prices = prices;
        this.batchSize = batchSize;
    }

    /** What a run did (or, dry, would do). */
    public record Result(Instant from, Instant to, boolean dryRun, String priceVersion, long calls, long changed,
                         long newlyPriced, long newlyUnpriced, BigDecimal costBefore, BigDecimal costAfter) {
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("from", from.toString());
            m.put("to", to.toString());
            m.put("dry_run", dryRun);
            m.put("price_version", priceVersion);
            m.put("calls", calls);
            m.put("changed", changed);
            m.put("newly_priced", newlyPriced);
            m.put("newly_unpriced", newlyUnpriced);
            m.put("cost_before", costBefore);
            m.put("cost_after", costAfter);
            m.put("difference", costAfter.subtract(costBefore));
            return m;
        }
    }

    /** Reprices the model calls started in {@code [from, to)}. */
    public Result reprice(Instant from, Instant to, boolean dryRun) {
        long calls = 0, changed = 0, priced = 0, unpriced = 0;
        BigDecimal before = BigDecimal.ZERO, after = BigDecimal.ZERO;
        long last = 0;
        while (true) {
            long after0 = last;
            List<Long> ids = jdbi.withHandle(h -> h.createQuery("SELECT id FROM chatbot_llm_calls WHERE id > :last AND started_at >= :from "
                            + "AND started_at < :to AND " + RawSql.MODEL_CALL + " AND NOT (price_version <=> 'caller') ORDER BY id LIMIT :n")
                    .bind("last", after0).bind("from", Utc.time(from)).bind("to", Utc.time(to)).bind("n", batchSize).mapTo(Long.class).list());
            if (ids.isEmpty()) break;
            last = ids.get(ids.size() - 1);
            Batch b = run(ids, dryRun);
            calls += b.calls;
            changed += b.changed;
            priced += b.newlyPriced;
            unpriced += b.newlyUnpriced;
            before = before.add(b.before);
            after = after.add(b.after);
        }
        return new Result(from, to, dryRun, prices.version(), calls, changed, priced, unpriced, before, after);
    }

    private record Batch(long calls, long changed, long newlyPriced, long newlyUnpriced, BigDecimal before, BigDecimal after) {}

    private record Row(long id, LlmCall call, String intent, Instant messageAt) {}

    private Batch run(List<Long> ids, boolean dryRun) {
        return SqlFailures.retryingLockConflicts(() -> dryRun ? jdbi.withHandle(h -> batch(h, ids, true))
                : jdbi.inTransaction(TransactionIsolationLevel.READ_COMMITTED, h -> batch(h, ids, false)));
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** A unit-billed call's {@code billable_units} (what it is priced by) as its metadata; none for the others. */
    private static Map<String, Object> units(String json) {
        if (json == null) return Map.of();
        try {
            Object units = JSON.readValue(json, Object.class);
            return units instanceof Map<?, ?> ? Map.of(dev.chatlog.core.price.BillableUnits.KEY, units) : Map.of();
        } catch (java.io.IOException e) {
            return Map.of();
        }
    }

    private Batch batch(Handle h, List<Long> ids, boolean dryRun) {
        List<Row> rows = h.createQuery("""
                        SELECT c.id, c.call_id, c.conversation_id, c.message_id, c.call_type, c.agent, c.function_name, c.chat_mode, c.arm,
                               c.user_id, c.provider, c.model, c.response_model, c.input_tokens, c.output_tokens,
                               c.cached_input_tokens, c.cache_write_tokens, c.cost_estimate, c.priced, c.price_version, c.started_at,
                               JSON_EXTRACT(c.metadata, '$.billable_units') AS units,
                               m.intent, m.`timestamp` AS message_at
                        FROM chatbot_llm_calls c
                        LEFT JOIN chatbot_conversation_messages m ON m.conversation_id = c.conversation_id AND m.message_id = c.message_id
                        WHERE c.id IN (<ids>) ORDER BY c.id""" + (dryRun ? "" : " FOR UPDATE"))
                .bindList("ids", ids)
                .map((rs, ctx) -> {
                    LlmCall call = LlmCall.builder().callId(rs.getString("call_id")).conversationId(rs.getString("conversation_id"))
                            .messageId(rs.getString("message_id")).callType(CallType.fromDb(rs.getString("call_type")))
                            .agent(rs.getString("agent")).functionName(rs.getString("function_name")).chatMode(rs.getString("chat_mode"))
                            .arm(rs.getString("arm"))
                            .userId(rs.getString("user_id")).provider(rs.getString("provider")).model(rs.getString("model"))
                            .responseModel(rs.getString("response_model")).inputTokens(rs.getInt("input_tokens"))
                            .outputTokens(rs.getInt("output_tokens")).cachedInputTokens(rs.getInt("cached_input_tokens"))
                            .cacheWriteTokens(rs.getInt("cache_write_tokens")).costEstimate(rs.getBigDecimal("cost_estimate"))
                            .priced(rs.getBoolean("priced")).priceVersion(rs.getString("price_version"))
                            .startedAt(rs.getObject("started_at", LocalDateTime.class).toInstant(ZoneOffset.UTC))
                            .metadata(units(rs.getString("units"))).build();
                    LocalDateTime at = rs.getObject("message_at", LocalDateTime.class);
                    return new Row(rs.getLong("id"), call, rs.getString("intent"), at == null ? null : at.toInstant(ZoneOffset.UTC));
                }).list();
        long changed = 0, newlyPriced = 0, newlyUnpriced = 0;
        BigDecimal before = BigDecimal.ZERO, after = BigDecimal.ZERO;
        List<RollupWriter.Repricing> moves = new ArrayList<>();
        TreeMap<String, BigDecimal[]> byMessage = new TreeMap<>(); // conversation \0 message -> {cost, unpriced}
        TreeMap<String, BigDecimal[]> byConversation = new TreeMap<>();
        var update = dryRun ? null : h.prepareBatch(
                "UPDATE chatbot_llm_calls SET cost_estimate = :cost, priced = :priced, price_version = :version WHERE id = :id");
        for (Row r : rows) {
            LlmCall old = r.call();
            boolean wasPriced = old.priced() && old.costEstimate() != null;
            LlmCall now = prices.price(old);
            boolean isPriced = now.priced() && now.costEstimate() != null;
            BigDecimal oldCost = wasPriced ? old.costEstimate() : BigDecimal.ZERO;
            BigDecimal newCost = isPriced ? now.costEstimate() : BigDecimal.ZERO;
            before = before.add(oldCost);
            after = after.add(newCost);
            if (update != null) {
                update.bind("cost", isPriced ? newCost : null).bind("priced", isPriced).bind("version", clip(now.priceVersion()))
                        .bind("id", r.id()).add();
            }
            BigDecimal delta = newCost.subtract(oldCost);
            long unpricedDelta = (isPriced ? 0 : 1) - (wasPriced ? 0 : 1);
            if (delta.signum() == 0 && unpricedDelta == 0) continue;
            changed++;
            if (isPriced && !wasPriced) newlyPriced++;
            if (wasPriced && !isPriced) newlyUnpriced++;
            boolean inTurn = old.callType().countsInTurn(); // an evaluator's call moves the figures over time, not its turn's
            moves.add(new RollupWriter.Repricing(now.toBuilder().costEstimate(isPriced ? newCost : null).build(), delta, unpricedDelta,
                    newCost.compareTo(oldCost) < 0, r.intent(), inTurn ? r.messageAt() : null));
            if (inTurn) {
                add(byMessage, old.conversationId() + '\u0000' + old.messageId(), delta, unpricedDelta);
                add(byConversation, old.conversationId(), delta, unpricedDelta);
            }
        }
        if (!dryRun) {
            if (update.size() > 0) update.execute();
            if (!byMessage.isEmpty()) {
                var m = h.prepareBatch("UPDATE chatbot_conversation_messages SET total_cost = total_cost + :d, "
                        + "unpriced_calls = unpriced_calls + :u WHERE conversation_id = :c AND message_id = :m");
                byMessage.forEach((k, v) -> {
                    int split = k.indexOf('\u0000');
                    m.bind("d", v[0]).bind("u", v[1].longValue()).bind("c", k.substring(0, split)).bind("m", k.substring(split + 1)).add();
                });
                m.execute();
            }
            if (!byConversation.isEmpty()) { // summaries in key order, as the store takes their locks
                var s = h.prepareBatch("UPDATE chatbot_conversation_summary SET total_cost = total_cost + :d, "
                        + "unpriced_calls = unpriced_calls + :u WHERE conversation_id = :c");
                byConversation.forEach((c, v) -> s.bind("d", v[0]).bind("u", v[1].longValue()).bind("c", c).add());
                s.execute();
            }
            if (!moves.isEmpty()) RollupWriter.applyRepricing(h, moves);
        }
        return new Batch(rows.size(), changed, newlyPriced, newlyUnpriced, before, after);
    }

    private static void add(Map<String, BigDecimal[]> m, String key, BigDecimal cost, long unpriced) {
        BigDecimal[] v = m.computeIfAbsent(key, k -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO});
        v[0] = v[0].add(cost);
        v[1] = v[1].add(BigDecimal.valueOf(unpriced));
    }

    private static String clip(String version) {
        return version == null || version.length() <= 100 ? version : version.substring(0, 100); // the column's width
    }
}
