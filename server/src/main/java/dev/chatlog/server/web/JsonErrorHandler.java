package dev.chatlog.server.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * The errors Jetty answers itself, before any route runs (a malformed request line or header, a bad
 * {@code %}-escape, a URI or headers too large, an ambiguous path): the same JSON shape as every
 * other error, {@code {"error", "status"}}, whatever the client accepts; never HTML, never a stack.
 */
public final class JsonErrorHandler extends ErrorHandler {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Every method gets the body (Jetty writes one for GET, POST and HEAD only: CONNECT or {@code OPTIONS *} got none). */
    @Override
    public boolean errorPageForMethod(String method) {
        return true;
    }

    @Override
    protected boolean generateAcceptableResponse(Request request, Response response, Callback callback, String contentType,
                                                 List<Charset> charsets, int code, String message, Throwable cause) {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json; charset=utf-8");
        response.write(true, ByteBuffer.wrap(body(code, message)), callback);
        return true;
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, "application/json; charset=utf-8");
        return ByteBuffer.wrap(body(status, reason));
    }

    static byte[] body(int code, String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        String reason = HttpStatus.getMessage(code);
        // Jetty's own texts say what is wrong with the request ("Ambiguous URI path separator"); a 500 says nothing inside
        m.put("error", code == 500 ? "internal error (see the server log)"
                : (code >= 500 ? "" : "bad request: ") + (message == null || message.isBlank() ? reason : message));
        m.put("status", code);
        try {
            return JSON.writeValueAsBytes(m);
        } catch (Exception e) {
            return ("{\"error\":\"bad request\",\"status\":" + code + "}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
    }
}
