package dev.chatlog.core.text;

/** Small text helpers shared by the modules. */
public final class Text {
    private static final String MARK = "…[truncated]";

    private Text() {}

    /** Cuts {@code s} to at most {@code max} characters, marking the cut; never splits a surrogate pair. */
    public static String truncate(String s, int max) {
        if (s == null || s.length() <= max) {
            return s;
        }
        int end = max - MARK.length();
        if (Character.isHighSurrogate(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end) + MARK;
    }

    /** Like {@link #truncate}, for text already known to have been cut: marked even when it now fits. */
    public static String truncateMarked(String s, int max) {
        if (s.length() > max) {
            return truncate(s, max);
        }
        int end = Math.min(s.length(), max - MARK.length());
        if (end > 0 && Character.isHighSurrogate(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end) + MARK;
    }
}
