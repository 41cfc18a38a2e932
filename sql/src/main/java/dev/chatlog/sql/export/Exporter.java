package dev.chatlog.sql.export;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;

import java.io.Writer;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import dev.chatlog.sql.query.Filter;
import dev.chatlog.sql.query.Rows;
import dev.chatlog.sql.query.Window;
import java.io.UncheckedIOException;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;

/**
 * Streams LLM calls or messages out as CSV, JSON Lines or a JSON array, one row at a time from a
 * streaming result set, so a million-row export holds a few rows in memory, not the table.
 */
public final class Exporter {
    public enum Format {
        CSV("text/csv; charset=utf-8", "csv"), JSONL("application/x-ndjson", "jsonl"), JSON("application/json", "json");

        public final String contentType;
        public final String extension;

        Format(String contentType, String extension) {
            this.contentType = contentType;
            this.extension = extension;
        }
    }

    public enum Dataset { LLM_CALLS, MESSAGES }

    static final List<String> CALL_COLUMNS = List.of("call_id", "conversation_id", "message_id", "parent_call_id", "call_sequence",
            "call_type", "agent", "function_name", "chat_mode", "user_id", "arm", "provider", "model", "response_model", "input_tokens",
            "output_tokens", "cached_input_tokens", "cache_write_tokens", "reasoning_tokens", "total_tokens", "token_source", "cost_estimate", "priced",
            "price_version", "duration_ms", "time_to_first_token_ms", "finish_reason", "success", "error_type", "error_message",
            "started_at", "ended_at", "input_text", "output_text");
    static final List<String> MESSAGE_COLUMNS = List.of("message_id", "conversation_id", "user_id", "chat_mode", "arm", "timestamp",
            "user_input", "final_output", "conversation_message", "intent", "classification", "database_used", "sql_queries",
            "sql_query_count", "sql_results_count", "total_llm_calls", "total_input_tokens", "total_output_tokens",
            "total_tokens_used", "total_cost", "unpriced_calls", "total_duration_ms", "response_time_ms", "success", "error_message");

    private final Jdbi jdbi;

    public Exporter(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public static List<String> columns(Dataset d) {
        return d == Dataset.LLM_CALLS ? CALL_COLUMNS : MESSAGE_COLUMNS;
    }

    /**
     * Writes every row of the window matching the filter to {@code out} (messages: its chat mode,
     * user and outcome parts), oldest first; returns the number of rows.
     */
    public long export(Dataset dataset, Window w, Filter f, Format format, OutputStream out) throws IOException {
        List<String> cols = columns(dataset);
        boolean calls = dataset == Dataset.LLM_CALLS;
        String time = calls ? "started_at" : "`timestamp`";
        Filter filter = calls ? f : f.forMessages();
        String sql = "SELECT " + String.join(", ", cols.stream().map(c -> c.equals("timestamp") ? "`timestamp`" : c).toList())
                + " FROM " + (calls ? "chatbot_llm_calls" : "chatbot_conversation_messages")
                + " WHERE " + w.where(time) + filter.where() + " ORDER BY " + time;
        try {
            return jdbi.withHandle(h -> filter.bind(w.bind(h.createQuery(sql))).setFetchSize(Integer.MIN_VALUE) // stream, not buffer
                    .scanResultSet((rows, ctx) -> {
                        ResultSet rs = rows.get();
                        try {
                            return switch (format) {
                                case CSV -> csv(rs, cols, out);
                                case JSONL, JSON -> json(rs, cols, out, format == Format.JSON);
                            };
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }));
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } catch (JdbiException e) {
            throw new IllegalStateException("export failed: " + e.getMessage(), e);
        }
    }

    private static long csv(ResultSet rs, List<String> cols, OutputStream out) throws SQLException, IOException {
        Writer w = new java.io.BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
        for (int i = 0; i < cols.size(); i++) {
            if (i > 0) w.write(',');
            w.write(cols.get(i));
        }
        w.write("\r\n");
        long n = 0;
        int[] types = types(rs, cols.size());
        while (rs.next()) {
            for (int i = 0; i < cols.size(); i++) {
                if (i > 0) w.write(',');
                Object v = value(rs, i + 1, types[i]);
                if (v != null) csvField(w, v.toString());
            }
            w.write("\r\n");
            n++;
        }
        w.flush();
        return n;
    }

    /** RFC 4180: a field with a comma, quote, CR or LF is quoted, quotes doubled. */
    static void csvField(Writer w, String s) throws IOException {
        boolean quote = false;
        for (int i = 0; i < s.length() && !quote; i++) {
            char ch = s.charAt(i);
            quote = ch == ',' || ch == '"' || ch == '\n' || ch == '\r';
        }
        if (!quote) {
            w.write(s);
            return;
        }
        w.write('"');
        w.write(s.replace("\"", "\"\""));
        w.write('"');
    }

    private static long json(ResultSet rs, List<String> cols, OutputStream out, boolean array) throws SQLException, IOException {
        JsonGenerator g = new JsonFactory().createGenerator(new UncloseableStream(out), JsonEncoding.UTF8);
        g.setRootValueSeparator(null);
        if (array) g.writeStartArray();
        long n = 0;
        int[] types = types(rs, cols.size());
        while (rs.next()) {
            g.writeStartObject();
            for (int i = 0; i < cols.size(); i++) {
                Object v = value(rs, i + 1, types[i]);
                g.writeFieldName(cols.get(i));
                if (v == null) g.writeNull();
                else if (v instanceof BigDecimal b) g.writeNumber(b);
                else if (v instanceof Long l) g.writeNumber(l);
                else if (v instanceof Integer x) g.writeNumber(x);
                else if (v instanceof Boolean b) g.writeBoolean(b);
                else g.writeString(v.toString());
            }
            g.writeEndObject();
            if (!array) g.writeRaw('\n');
            n++;
        }
        if (array) g.writeEndArray();
        g.flush();
        return n;
    }

    private static int[] types(ResultSet rs, int n) throws SQLException {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = rs.getMetaData().getColumnType(i + 1);
        return t;
    }

    private static Object value(ResultSet rs, int i, int type) throws SQLException {
        return Rows.value(rs, i, type);
    }

    /** Lets the JSON generator flush without closing the response stream. */
    private static final class UncloseableStream extends java.io.FilterOutputStream {
        UncloseableStream(OutputStream out) { super(out); }
        @Override public void write(byte[] b, int off, int len) throws IOException { out.write(b, off, len); }
        @Override public void close() throws IOException { flush(); }
    }

}
