package dev.chatlog.alerts;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One alert rule: what it watches ({@link AlertKind}), per what subject ({@code by}: all, model,
 * function or tool; {@code match}: one of them only), over which window, and the thresholds that
 * make a subject WARNING ({@code warn_above}) and ALERT ({@code alert_above}). {@code min_calls}:
 * fewer calls in the window than this is no evidence (OK). {@code suppress}: a state notified is
 * not notified again for this long (flapping). {@code digest}: info and warning notifications wait
 * and go out together, once per this period. {@code channels}: where its notifications go (empty:
 * every configured channel).
 */
public record AlertRule(String name, AlertKind kind, Severity severity, Duration window, String by, String match, String metric,
                        String stat, BigDecimal alertAbove, BigDecimal warnAbove, long minCalls, Duration baseline,
                        Duration suppress, Duration digest, List<String> channels, boolean enabled, BigDecimal alertBelow) {

    /** Windows are read from minute rollups, kept two days: a window and its baseline fit in them. */
    public static final Duration MAX_WINDOW = Duration.ofHours(24);
    public static final Set<String> CHANNELS = Set.of("log", "webhook", "email");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:-]{1,100}");
    private static final Pattern SHORT = Pattern.compile("(\\d{1,6})\\s*(s|m|h|d)");

    /** A rule definition that is wrong, naming the field. */
    public static final class Invalid extends dev.chatlog.core.InvalidDefinitionException {
        public Invalid(String field, String message) {
            super(field, message);
        }
    }

    public AlertRule {
        channels = List.copyOf(channels);
    }

    public static boolean validName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /** Whether a subject's evaluation is made of calls (its {@code min_calls} applies). */
    public boolean countsCalls() {
        return !kind.followsState() && kind != AlertKind.LOGGER_HEALTH && kind != AlertKind.ERROR_CATEGORY;
    }

    /** The state {@code value} puts a subject in (given enough calls). */
    public AlertState stateOf(BigDecimal value) {
        if (value == null || alertAbove == null) return AlertState.OK;
        if (value.compareTo(alertAbove) > 0) return AlertState.ALERT;
        if (warnAbove != null && value.compareTo(warnAbove) > 0) return AlertState.WARNING;
        return AlertState.OK;
    }

    /** The definition as JSON fields (what {@link #parse} reads back into this rule). */
    public Map<String, Object> definition() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", kind.label());
        m.put("severity", severity.label());
        if (!kind.followsState() && kind != AlertKind.LOGGER_HEALTH) m.put("by", by);
        if (!kind.followsState()) m.put("window", show(window));
        if (match != null) m.put("match", match);
        if (metric != null) m.put("metric", metric);
        if (stat != null) m.put("stat", stat);
        if (!kind.followsState()) {
            if (alertAbove != null) m.put("alert_above", alertAbove);
            if (warnAbove != null) m.put("warn_above", warnAbove);
            if (alertBelow != null) m.put("alert_below", alertBelow);
        }
        if (countsCalls()) m.put("min_calls", minCalls);
        if (baseline != null) m.put("baseline", show(baseline));
        m.put("suppress", show(suppress));
        if (digest != null) m.put("digest", show(digest));
        m.put("channels", channels);
        m.put("enabled", enabled);
        return m;
    }

    /** A duration as the rules write it: {@code 90s}, {@code 5m}, {@code 2h}, {@code 1d}. */
    public static String show(Duration d) {
        long s = d.toSeconds();
        if (s != 0 && s % 86_400 == 0 && s > 172_800) return s / 86_400 + "d";
        if (s != 0 && s % 3600 == 0) return s / 3600 + "h";
        if (s != 0 && s % 60 == 0) return s / 60 + "m";
        return s + "s";
    }

    /** {@code 30s}, {@code 5m}, {@code 1h}, {@code 1d}, or ISO-8601 {@code PT5M}. */
    public static Duration parseDuration(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        Matcher m = SHORT.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        return Duration.parse(s.trim());
    }

}
