package dev.chatlog.core;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes secrets and personal data from text before it is stored: API keys and bearer tokens,
 * {@code key=value} secrets, e-mail addresses, phone numbers and card numbers (only digit runs that
 * pass the Luhn check, so order numbers stay). Extra patterns can be added; each match becomes
 * {@code [REDACTED]}. On by default; {@link #NONE} stores text as it is.
 */
public final class Masker {
    public static final Masker NONE = new Masker(List.of(), false);

    private record Rule(Pattern pattern, String replacement) {}

    private static final List<Rule> DEFAULTS = List.of(
            new Rule(Pattern.compile("(?i)\\bbearer\\s+[A-Za-z0-9._~+/=-]{8,}"), "Bearer [REDACTED]"),
            new Rule(Pattern.compile("\\b(sk-(?:ant-|proj-)?[A-Za-z0-9_-]{16,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}"
                    + "|xox[abprs]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35}|glpat-[A-Za-z0-9_-]{20,})"), "[API_KEY]"),
            new Rule(Pattern.compile("(?i)\\b(api[_-]?key|secret|password|passwd|access[_-]?token|auth[_-]?token)([\"']?\\s*[:=]\\s*[\"']?)"
                    + "[^\\s\"',;&]{4,}"), "$1$2[REDACTED]"),
            // starts only where a run of such characters starts, and never gives characters back: linear time
            new Rule(Pattern.compile("(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]++@[A-Za-z0-9-]++(?:\\.[A-Za-z0-9-]++)++(?<=\\.[A-Za-z]{2,63})"), "[EMAIL]"),
            new Rule(Pattern.compile("(?<![\\w+.-])(?:\\+\\d{1,3}[ .-]?(?:\\(\\d{1,4}\\)[ .-]?)?\\d{1,4}(?:[ .-]?\\d{2,4}){2,4}"
                    + "|\\(\\d{3}\\)[ .-]?\\d{3}[ .-]\\d{4}|\\b\\d{3}[.-]\\d{3}[.-]\\d{4}|\\b0\\d{1,4}(?:[ .-]\\d{2,4}){2,4})(?![\\w-])"),
                    "[PHONE]"));
    // not glued to letters, digits, '-' or '.': digit groups inside UUIDs, hashes or versions are not cards
    private static final Pattern CARD = Pattern.compile("(?<![\\w.-])(?:\\d[ -]?){12,18}\\d(?![\\w-])");

    private final List<Rule> rules;
    private final boolean enabled;

    private Masker(List<Rule> rules, boolean enabled) {
        this.rules = rules;
        this.enabled = enabled;
    }

    /** The default rules plus {@code extraPatterns} (regular expressions, each match becomes [REDACTED]). */
    public static Masker defaults(List<String> extraPatterns) {
        List<Rule> rules = new ArrayList<>(DEFAULTS);
        for (String p : extraPatterns) {
            rules.add(new Rule(Pattern.compile(p), "[REDACTED]"));
        }
        return new Masker(rules, true);
    }

    public static Masker defaults() {
        return defaults(List.of());
    }

    public String mask(String text) {
        if (!enabled || text == null || text.isEmpty()) {
            return text;
        }
        String out = maskCards(text);
        for (Rule r : rules) {
            out = r.pattern().matcher(out).replaceAll(r.replacement());
        }
        return out;
    }

    private static String maskCards(String text) {
        Matcher m = CARD.matcher(text);
        StringBuilder sb = null;
        int last = 0;
        while (m.find()) {
            String digits = m.group().replaceAll("[ -]", "");
            if (digits.length() >= 13 && digits.length() <= 19 && luhn(digits)) {
                if (sb == null) sb = new StringBuilder(text.length());
                sb.append(text, last, m.start()).append("[CARD]");
                last = m.end();
            }
        }
        if (sb == null) return text;
        return sb.append(text, last, text.length()).toString();
    }

    static boolean luhn(String digits) {
        int sum = 0;
        boolean dbl = false;
        for (int i = digits.length() - 1; i >= 0; i--) {
            int d = digits.charAt(i) - '0';
            if (dbl) {
                d *= 2;
                if (d > 9) d -= 9;
            }
            sum += d;
            dbl = !dbl;
        }
        return sum % 10 == 0;
    }
}
