package dev.chatlog.insights;

import dev.chatlog.core.price.PriceCatalog;
import dev.chatlog.core.price.Rates;
import dev.chatlog.sql.Utc;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** One analysis of one window: the database, the window, the prices, the settings, and what every analysis shares. */
record Scan(Jdbi jdbi, Instant from, Instant to, PriceCatalog prices, InsightsSettings settings) {
    static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);
    /** The calls to a chat model: what is priced per token and cached. */
    static final String CHAT = " call_type IN ('chat', 'streaming_chat') "; // spaced: text blocks drop trailing blanks
    /** The function a call serves, as the findings name it: its function, else its agent, else '(none)'. */
    static final String FUNCTION = " COALESCE(NULLIF(function_name, ''), NULLIF(agent, ''), '(none)') ";

    LocalDateTime fromTime() { return Utc.time(from); }
    LocalDateTime toTime() { return Utc.time(to); }

    /** The window's length in days (fractional): savings per day are the window's divided by it. */
    double days() {
        return Duration.between(from, to).toMillis() / 86_400_000.0;
    }

    BigDecimal perDay(BigDecimal inWindow) {
        return inWindow.divide(BigDecimal.valueOf(days()), 6, RoundingMode.HALF_UP);
    }

    static BigDecimal perMonth(BigDecimal perDay) {
        return perDay.multiply(BigDecimal.valueOf(30)).setScale(4, RoundingMode.HALF_UP);
    }

    /** The rates a model is priced at now, if the price data or an override knows it. */
    Optional<Rates> rates(String model, String provider) {
        return prices.quote(model, provider, to).map(PriceCatalog.Quote::rates);
    }

    /** USD for {@code tokens} at {@code perMillion} USD per million tokens. */
    static BigDecimal tokens(double tokens, BigDecimal perMillion) {
        return perMillion.multiply(BigDecimal.valueOf(tokens)).divide(MILLION, 10, RoundingMode.HALF_UP);
    }

    /** The export route listing the calls of the window under these filters (name, value pairs; nulls left out). */
    String callsLink(String... filters) {
        StringBuilder sb = new StringBuilder("/logging-dashboard/export/llm-calls?format=json&from=").append(from).append("&to=").append(to);
        for (int i = 0; i + 1 < filters.length; i += 2) {
            if (filters[i + 1] == null) continue;
            sb.append('&').append(filters[i]).append('=').append(URLEncoder.encode(filters[i + 1], StandardCharsets.UTF_8));
        }
        return sb.toString();
    }

    static String conversationLink(String conversationId) {
        return "/logging-dashboard/conversation/" + URLEncoder.encode(conversationId, StandardCharsets.UTF_8).replace("+", "%20") + "/detailed";
    }

    /** Links to the calls and to the first conversations among {@code conversations}. */
    Map<String, String> links(List<String> conversations, String... filters) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("calls", callsLink(filters));
        for (int i = 0; i < Math.min(3, conversations.size()); i++) m.put("conversation_" + (i + 1), conversationLink(conversations.get(i)));
        return m;
    }

    /** The first {@code n} distinct non-empty ids of a comma-separated list (a GROUP_CONCAT). */
    static List<String> ids(String concatenated, int n) {
        if (concatenated == null || concatenated.isEmpty()) return List.of();
        List<String> out = new ArrayList<>();
        for (String s : Arrays.asList(concatenated.split(","))) {
            if (!s.isEmpty() && !out.contains(s)) out.add(s);
            if (out.size() == n) break;
        }
        return out;
    }

    static BigDecimal usd(BigDecimal v) {
        return v == null ? BigDecimal.ZERO : v.setScale(6, RoundingMode.HALF_UP);
    }
}
