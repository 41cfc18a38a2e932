package dev.chatlog.core.text;

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

    /**
     * A pattern, its replacement, and a cheap test that the text can hold a match at all (a literal
     * every match contains), so that text without one is not scanned by the pattern: masking was
     * most of the logger's CPU time. Phone numbers are only looked for inside runs of digits and
     * their separators ({@link #maskInDigitRuns}).
     */
    private record Rule(Pattern pattern, String replacement, java.util.function.Predicate<String> mayMatch) {
        Rule(Pattern pattern, String replacement) {
            this(pattern, replacement, t -> true);
        }
    }

    private static final List<Rule> DEFAULTS = List.of(
            new Rule(Pattern.compile("(?i)\\bbearer\\s+[A-Za-z0-9._~+/=-]{8,}"), "Bearer [REDACTED]",
                    t -> containsIgnoreCase(t, "bearer")),
            new Rule(Pattern.compile("\\b(sk-(?:ant-|proj-)?[A-Za-z0-9_-]{16,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}"
                    + "|xox[abprs]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35}|glpat-[A-Za-z0-9_-]{20,})"), "[API_KEY]",
                    t -> t.contains("sk-") || t.contains("AKIA") || t.contains("ghp_") || t.contains("gho_") || t.contains("ghu_")
                            || t.contains("ghs_") || t.contains("ghr_") || t.contains("xox") || t.contains("AIza") || t.contains("glpat-")),
            new Rule(Pattern.compile("(?i)\\b(api[_-]?key|secret|password|passwd|access[_-]?token|auth[_-]?token)([\"']?\\s*[:=]\\s*[\"']?)"
                    + "[^\\s\"',;&]{4,}"), "$1$2[REDACTED]",
                    t -> containsIgnoreCase(t, "api") || containsIgnoreCase(t, "secret") || containsIgnoreCase(t, "passw")
                            || containsIgnoreCase(t, "token")),
            // starts only where a run of such characters starts, and never gives characters back: linear time
            new Rule(Pattern.compile("(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]++@[A-Za-z0-9-]++(?:\\.[A-Za-z0-9-]++)++(?<=\\.[A-Za-z]{2,63})"), "[EMAIL]",
                    t -> t.indexOf('@') >= 0));
    private static final Pattern PHONE = Pattern.compile("(?<![\\w+.-])(?:\\+\\d{1,3}[ .-]?(?:\\(\\d{1,4}\\)[ .-]?)?\\d{1,4}(?:[ .-]?\\d{2,4}){2,4}"
                    + "|\\(\\d{3}\\)[ .-]?\\d{3}[ .-]\\d{4}|\\b\\d{3}[.-]\\d{3}[.-]\\d{4}|\\b0\\d{1,4}(?:[ .-]\\d{2,4}){2,4})(?![\\w-])");
    /** A phone number is made of digits and these only, with at least 6 digits. */
    private static final String PHONE_CHARS = " .-()+";
    // not glued to letters, digits, '-' or '.': digit groups inside UUIDs, hashes or versions are not cards
    private static final Pattern CARD = Pattern.compile("(?<![\\w.-])(?:\\d[ -]?){12,18}\\d(?![\\w-])");

    private final List<Rule> extras;
    private final boolean enabled;

    private Masker(List<Rule> extras, boolean enabled) {
        this.extras = extras;
        this.enabled = enabled;
    }

    /** The default rules plus {@code extraPatterns} (regular expressions, each match becomes [REDACTED]). */
    public static Masker defaults(List<String> extraPatterns) {
        List<Rule> extras = new ArrayList<>();
        for (String p : extraPatterns) {
            extras.add(new Rule(Pattern.compile(p), "[REDACTED]"));
        }
        return new Masker(List.copyOf(extras), true);
    }

    public static Masker defaults() {
        return defaults(List.of());
    }

    public String mask(String text) {
        if (!enabled || text == null || text.isEmpty()) {
            return text;
        }
        String out = maskCards(text);
        for (Rule r : DEFAULTS) {
            if (r.mayMatch().test(out)) out = r.pattern().matcher(out).replaceAll(r.replacement());
        }
        out = maskInDigitRuns(out, PHONE, PHONE_CHARS, 6, m -> true, "[PHONE]");
        for (Rule r : extras) {
            out = r.pattern().matcher(out).replaceAll(r.replacement());
        }
        return out;
    }

    private static String maskCards(String text) {
        return maskInDigitRuns(text, CARD, " -", 13, m -> {
            String digits = m.replaceAll("[ -]", "");
            return digits.length() >= 13 && digits.length() <= 19 && luhn(digits);
        }, "[CARD]");
    }

    /**
     * Replaces the matches of {@code pattern} that {@code accept} takes, looking only inside runs of
     * digits and {@code separators} holding at least {@code minDigits} digits: every match of the
     * pattern is such a run's part (its look-arounds still see the text around it). Linear in the
     * text, and the pattern runs on a few short regions instead of every position.
     */
    private static String maskInDigitRuns(String text, Pattern pattern, String separators, int minDigits,
                                          java.util.function.Predicate<String> accept, String replacement) {
        StringBuilder sb = null;
        int last = 0;
        int n = text.length();
        int i = 0;
        Matcher m = null;
        while (i < n) {
            char c = text.charAt(i);
            if (!isDigit(c) && separators.indexOf(c) < 0) {
                i++;
                continue;
            }
            int start = i, digits = 0;
            while (i < n && (isDigit(text.charAt(i)) || separators.indexOf(text.charAt(i)) >= 0)) {
                if (isDigit(text.charAt(i))) digits++;
                i++;
            }
            if (digits < minDigits) continue;
            if (m == null) m = pattern.matcher(text).useTransparentBounds(true).useAnchoringBounds(false);
            m.region(start, i);
            while (m.find()) {
                if (m.start() < last || !accept.test(m.group())) continue;
                if (sb == null) sb = new StringBuilder(n);
                sb.append(text, last, m.start()).append(replacement);
                last = m.end();
            }
        }
        if (sb == null) return text;
        return sb.append(text, last, n).toString();
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean containsIgnoreCase(String text, String word) {
        char first = word.charAt(0);
        char upper = Character.toUpperCase(first);
        for (int i = 0, end = text.length() - word.length(); i <= end; i++) {
            char c = text.charAt(i);
            if ((c == first || c == upper) && text.regionMatches(true, i, word, 0, word.length())) return true;
        }
        return false;
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
