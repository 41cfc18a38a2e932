package dev.chatlog.alerts;

/** Where a rule stands for one subject. A change of state is what notifies (OK after another: resolved). */
public enum AlertState {
    OK, WARNING, ALERT;

    public static AlertState parse(String s) {
        return valueOf(s.trim().toUpperCase(java.util.Locale.ROOT));
    }
}
