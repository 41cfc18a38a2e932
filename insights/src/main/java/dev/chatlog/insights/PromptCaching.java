package dev.chatlog.insights;

import dev.chatlog.core.price.Rates;
import dev.chatlog.insights.Finding.Confidence;
import dev.chatlog.insights.Finding.Evidence;
import dev.chatlog.insights.Finding.Kind;
import dev.chatlog.insights.Finding.Subject;
import dev.chatlog.quality.stats.Proportions;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Prompt-cache opportunities: a prefix (the tool specifications and leading system messages, {@code prefix_hash} and
 * {@code prefix_tokens} recorded by the listener) of at least the providers' minimum, sent by calls that read nothing from
 * the provider's cache, to a model whose price has a cache-read rate below its input rate. A cache entry lives about five
 * minutes: in each five-minute slot where the prefix was sent, the first call writes the cache (at the cache-write rate,
 * where the model has one) and the others read it. The saving is what those reads and writes would have cost less than
 * what was paid. Where calls of a prefix already read the cache, a hit ratio that fell significantly from the first half
 * of the window to the second is a finding of its own.
 */
final class PromptCaching {
    private PromptCaching() {}

    /** How long a provider keeps a prompt cache entry without use (OpenAI and Anthropic: about five minutes). */
    static final Duration CACHE_LIFETIME = Duration.ofMinutes(5);

    static List<Finding> find(Scan s) {
        var mid = dev.chatlog.sql.Utc.time(s.from().plus(Duration.between(s.from(), s.to()).dividedBy(2)));
        List<Map<String, Object>> rows = s.jdbi().withHandle(h -> h.createQuery("""
                SELECT ph, provider, model, MAX(fn) AS fn, COUNT(*) AS calls, MAX(pt) AS prefix_tokens,
                       SUM(CASE WHEN cached_input_tokens > 0 THEN 1 ELSE 0 END) AS cached_calls,
                       SUM(CASE WHEN cached_input_tokens = 0 THEN 1 ELSE 0 END) AS uncached_calls,
                       COUNT(DISTINCT CASE WHEN cached_input_tokens = 0 THEN TIMESTAMPDIFF(SECOND, '2000-01-01 00:00:00', started_at) DIV :slot END) AS uncached_slots,
                       SUM(CASE WHEN started_at < :mid THEN 1 ELSE 0 END) AS calls_1,
                       SUM(CASE WHEN started_at < :mid AND cached_input_tokens > 0 THEN 1 ELSE 0 END) AS cached_1,
                       SUM(CASE WHEN started_at >= :mid THEN 1 ELSE 0 END) AS calls_2,
                       SUM(CASE WHEN started_at >= :mid AND cached_input_tokens > 0 THEN 1 ELSE 0 END) AS cached_2,
                       CONCAT_WS(',', MIN(CASE WHEN cached_input_tokens = 0 THEN call_id END), MAX(CASE WHEN cached_input_tokens = 0 THEN call_id END)) AS sample_calls,
                       CONCAT_WS(',', MIN(NULLIF(conversation_id, '')), MAX(NULLIF(conversation_id, ''))) AS sample_conversations
                FROM (SELECT JSON_UNQUOTE(JSON_EXTRACT(metadata, '$.prefix_hash')) AS ph,
                             CAST(JSON_EXTRACT(metadata, '$.prefix_tokens') AS UNSIGNED) AS pt,
                             """ + Scan.FUNCTION + """
                              AS fn, provider, model, cached_input_tokens, started_at, call_id, conversation_id
                      FROM chatbot_llm_calls
                      WHERE started_at >= :from AND started_at < :to AND """ + Scan.CHAT + """
                ) c
                WHERE ph IS NOT NULL AND pt >= :min
                GROUP BY ph, provider, model
                HAVING COUNT(*) >= 2
                ORDER BY NULL""") // no sort of the groups (MariaDB sorts a GROUP BY unless told not to)
                .bind("from", s.fromTime()).bind("to", s.toTime()).bind("min", s.settings().minPrefixTokens())
                .bind("slot", CACHE_LIFETIME.toSeconds()).bind("mid", mid)
                .mapToMap().list());
        List<Finding> out = new ArrayList<>();
        for (Map<String, Object> r : rows) {
            String model = (String) r.get("model");
            String provider = (String) r.get("provider");
            Rates rates = s.rates(model, provider).orElse(null);
            if (rates == null || rates.input() == null || rates.cacheRead() == null) continue; // no cached rate: nothing to save
            BigDecimal input = rates.input().base();
            BigDecimal read = rates.cacheRead().base();
            if (read.compareTo(input) >= 0) continue;
            long calls = n(r, "calls"), uncached = n(r, "uncached_calls"), cached = n(r, "cached_calls");
            long prefixTokens = n(r, "prefix_tokens");
            String fn = (String) r.get("fn");
            String prefix = (String) r.get("ph");
            List<String> conversations = Scan.ids((String) r.get("sample_conversations"), 5);
            if (cached * 2 < calls) {
                long writes = n(r, "uncached_slots"); // the first call of each five-minute slot writes the cache
                long reads = Math.max(0, uncached - writes);
                BigDecimal readSaving = Scan.tokens((double) reads * prefixTokens, input.subtract(read));
                BigDecimal writePremium = rates.cacheWrite() == null ? BigDecimal.ZERO
                        : Scan.tokens((double) writes * prefixTokens, rates.cacheWrite().base().subtract(input).max(BigDecimal.ZERO));
                BigDecimal saving = readSaving.subtract(writePremium);
                if (saving.signum() <= 0) continue;
                BigDecimal perDay = s.perDay(saving);
                Map<String, Object> detail = new LinkedHashMap<>();
                detail.put("prefix_hash", prefix);
                detail.put("prefix_tokens", prefixTokens);
                detail.put("calls", calls);
                detail.put("uncached_calls", uncached);
                detail.put("cache_writes", writes);
                detail.put("cache_reads", reads);
                detail.put("input_usd_per_mtok", input);
                detail.put("cache_read_usd_per_mtok", read);
                detail.put("cache_write_usd_per_mtok", rates.cacheWrite() == null ? null : rates.cacheWrite().base());
                out.add(new Finding(Kind.PROMPT_CACHE, new Subject("prefix", fn + " on " + model),
                        "A " + prefixTokens + "-token prompt prefix of '" + fn + "' was sent uncached " + uncached + " times to " + model,
                        perDay, Scan.perMonth(perDay), null, uncached >= 100 ? Confidence.HIGH : Confidence.MEDIUM,
                        "the prefix's tokens and the model's input and cache-read rates are known; one cache write assumed per "
                                + CACHE_LIFETIME.toMinutes() + "-minute slot in which the prefix was sent",
                        "Put the static part (system prompt, tool specifications) first and unchanged, and turn on the provider's prompt "
                                + "caching (Anthropic: cache_control on the prefix; OpenAI caches prefixes of 1,024+ tokens automatically when they are identical).",
                        new Evidence(uncached, null, Scan.ids((String) r.get("sample_calls"), 5), conversations,
                                s.links(conversations, "model", model)), detail));
            } else {
                long n1 = n(r, "calls_1"), c1 = n(r, "cached_1"), n2 = n(r, "calls_2"), c2 = n(r, "cached_2");
                if (n1 < 20 || n2 < 20) continue;
                // the difference is the first half's ratio minus the second's: a fall is an interval above 0
                Proportions.Difference d = Proportions.compare(c1, n1, c2, n2, 0.95);
                if (!(d.interval().lower() > 0.05) || !(d.pValue() < 0.01)) continue; // fell by more than 5 points, clearly
                double lost = (d.p1() - d.p2()) * n2; // calls that would have read the cache at the first half's ratio
                BigDecimal saving = Scan.tokens(lost * prefixTokens, input.subtract(read));
                BigDecimal perDay = saving.divide(BigDecimal.valueOf(s.days() / 2), 6, RoundingMode.HALF_UP);
                Map<String, Object> detail = new LinkedHashMap<>();
                detail.put("prefix_hash", prefix);
                detail.put("prefix_tokens", prefixTokens);
                detail.put("hit_ratio_before", round(d.p1()));
                detail.put("hit_ratio_after", round(d.p2()));
                detail.put("fall_interval", List.of(round(d.interval().lower()), round(d.interval().upper())));
                detail.put("p_value", d.pValue());
                out.add(new Finding(Kind.PROMPT_CACHE_FALLING, new Subject("prefix", fn + " on " + model),
                        "The prompt-cache hit ratio of '" + fn + "' on " + model + " fell from " + pct(d.p1()) + " to " + pct(d.p2()),
                        perDay, Scan.perMonth(perDay), null, Confidence.HIGH,
                        "two-proportion test of the calls reading the cache, first half of the window against the second (p = "
                                + String.format(java.util.Locale.ROOT, "%.2g", d.pValue()) + ")",
                        "Something now changes the prefix between calls (a date, an id or a reordered tool list in the system prompt?), "
                                + "or the calls come further apart than the cache's lifetime: keep the prefix identical.",
                        new Evidence(n2, null, Scan.ids((String) r.get("sample_calls"), 5), conversations,
                                s.links(conversations, "model", model)), detail));
            }
        }
        return out;
    }

    private static long n(Map<String, Object> r, String k) {
        Object v = r.get(k);
        return v == null ? 0 : ((Number) v).longValue();
    }

    private static double round(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }

    private static String pct(double v) {
        return String.format(java.util.Locale.ROOT, "%.0f%%", v * 100);
    }
}
