package dev.chatlog.server.web;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.server.Http;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;

/** The hostile corpus: what every route's every field is tried with (HostileCorpusTest and the routes' own tests). */
public final class HostileInputs {
    private HostileInputs() {}

    /** Values an attacker tries in any field: injections, traversal, odd encodings, out-of-range numbers and dates. */
    public static final List<String> VALUES = List.of(
            "' OR '1'='1", "1; DROP TABLE chatbot_llm_calls; --", "\" UNION SELECT user_input FROM chatbot_conversation_messages --",
            "<script>alert(1)</script>", "${jndi:ldap://127.0.0.1:1389/x}", "#{7*7}{{7*7}}", "../../../../etc/passwd",
            "..%2F..%2Fetc%2Fpasswd", "a\u0000b", "a\r\nX-Injected: 1", "-1", "99999999999999999999", "1e308", "NaN", "0x7fffffff",
            "[]", "{}", "*", "%", "_", "a".repeat(3_000), "\uD83D\uDE00", "\u202Eevil", "\uFEFFbom", "null", "2026-02-30",
            "+1000000000-12-31T23:59:59Z", "-1000000000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z", "1970-01-01T00:00:00+25:00",
            "\\u0000", "%00", "SLEEP(10)", "1' AND SLEEP(5) AND '1", "true", " ", "\t", "\u00e9t\u00e9", "\uDBFF\uDFFF");

    /** A GET of {@code prefix} + each hostile value as a name: a 400 or 404 with a JSON body, never a 500. */
    public static List<DynamicTest> asNames(Http http, String prefix) {
        return VALUES.stream().map(v -> {
            String path = prefix + URLEncoder.encode(v, StandardCharsets.UTF_8).replace("+", "%20");
            return DynamicTest.dynamicTest("GET " + path.substring(0, Math.min(60, path.length())), () -> {
                Http.Response r = http.get(path);
                assertTrue(r.status() == 400 || r.status() == 404, path + " -> " + r.raw());
                assertNotNull(r.json(), r.raw());
            });
        }).toList();
    }
}
