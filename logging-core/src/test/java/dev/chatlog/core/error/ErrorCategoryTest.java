package dev.chatlog.core.error;

import dev.chatlog.core.CallType;
import dev.chatlog.core.LlmCall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ErrorCategoryTest {

    @Test
    void should_document_every_category_with_its_suggestion_verbatim() throws IOException {
        String doc = Files.readString(Path.of("..", "docs", "errors.md"));
        for (ErrorCategory c : ErrorCategory.values()) {
            assertTrue(doc.contains("| `" + c.dbValue() + "` | " + c.suggestion() + " |"), c + " is missing from docs/errors.md");
        }
    }

    @Test
    void should_put_the_specific_cause_before_the_generic_class_and_status() {
        // a 400 whose code says why: the code wins over InvalidRequestException
        assertEquals(ErrorCategory.CONTEXT_LENGTH_EXCEEDED, ErrorCategory.classify(CallType.CHAT,
                "dev.langchain4j.exception.InvalidRequestException", 400, "This model's maximum context length is 8192 tokens"));
        // a tool row is a tool error whatever it threw
        assertEquals(ErrorCategory.TOOL_ERROR, ErrorCategory.classify(CallType.TOOL, "java.net.ConnectException", null, "refused"));
        // an agent that failed because a budget refused its call
        assertEquals(ErrorCategory.BUDGET_REFUSED, ErrorCategory.classify(CallType.AGENT,
                "dev.chatlog.core.budget.BudgetExceededException", null, "no room"));
        assertEquals(ErrorCategory.RATE_LIMITED, ErrorCategory.classify(CallType.CHAT, "java.lang.RuntimeException", 429, "x"));
        assertEquals(ErrorCategory.OTHER, ErrorCategory.classify(CallType.CHAT, "com.example.Weird", null, "no idea"));
        assertEquals(ErrorCategory.OTHER, ErrorCategory.fromDb("not_a_category"));
        assertNull(ErrorCategory.of(LlmCall.builder().callId("ok").build()), "a successful row has none");
        assertEquals(ErrorCategory.PROVIDER_ERROR, ErrorCategory.of(LlmCall.builder().callId("x").success(false)
                .errorType("java.lang.RuntimeException").metadata(Map.of("http_status", 502)).build()));
    }
}
