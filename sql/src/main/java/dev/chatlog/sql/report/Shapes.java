package dev.chatlog.sql.report;

import dev.chatlog.sql.query.Filter;
import dev.chatlog.sql.query.Window;
import java.util.LinkedHashMap;
import java.util.Map;

/** The fields every response starts with: its window and its filters, under the names the routes document. */
final class Shapes {
    private Shapes() {}

    /** {@code {from, to[, conversation_id]}} of the statistics routes. */
    static Map<String, Object> window(Window w) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("from", w.from().toString());
        m.put("to", w.to().toString());
        if (w.session()) m.put("conversation_id", w.conversationId());
        return m;
    }

    /** {@code window_hours} ("all" reaching back to the epoch), {@code from}, {@code to} of the dashboard routes. */
    static Map<String, Object> hoursHeader(Window w) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("window_hours", w.allTime() ? "all" : w.hours());
        out.put("from", w.from().toString());
        out.put("to", w.to().toString());
        return out;
    }

    /** The filters as the statistics routes echo them. */
    static Map<String, Object> filters(Filter f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", f.model());
        m.put("agent", f.agent());
        m.put("function", f.function());
        m.put("chat_mode", f.chatMode());
        m.put("user", f.user());
        m.put("success", f.success());
        m.put("arm", f.arm());
        return m;
    }

    /** The filters as the dashboard routes echo them ({@code function_name}: that route's older spelling of {@code function}). */
    static Map<String, Object> callFilters(Filter f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", f.model());
        m.put("function_name", f.function());
        m.put("agent", f.agent());
        m.put("chat_mode", f.chatMode());
        m.put("arm", f.arm());
        return m;
    }
}
