package dev.chatlog.langchain4j;

import dev.chatlog.core.CallType;
import dev.chatlog.core.ChatContext;
import dev.chatlog.core.Ids;
import dev.chatlog.core.LlmCall;
import dev.chatlog.core.TokenSource;
import dev.langchain4j.guardrail.GuardrailResult;
import dev.langchain4j.guardrail.InputGuardrailRequest;
import dev.langchain4j.guardrail.OutputGuardrailRequest;
import dev.langchain4j.observability.api.event.GuardrailExecutedEvent;
import dev.langchain4j.observability.api.event.InputGuardrailExecutedEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/** The rows of an AI service's events that are not model calls: tool executions and guardrails. */
final class AiServiceRows {
    private AiServiceRows() {}

    static LlmCall.Builder tool(ChatContext parent, dev.langchain4j.agent.tool.ToolExecutionRequest request, String result,
                         Instant start, Duration took) {
        return LlmCall.builder().callId(Ids.newId()).callType(CallType.TOOL)
                .context(parent).callSequence(parent.nextSequence()).functionName(request.name())
                .inputText(request.arguments()).outputText(result).startedAt(start)
                .durationMs(took.toNanos() / 1e6)
                .inputTokens(0).outputTokens(0).tokenSource(TokenSource.PROVIDER)
                .metadata(request.id() == null ? Map.of() : Map.of("tool_call_id", request.id()));
    }

    /**
     * A guardrail's row under {@code parent}: named by the guardrail, its input the text it checked, timed by the
     * event; a failure or a fatal result is a failed row ({@code guardrail_refused}, the failures' messages), a
     * rewrite a successful one with the rewritten text as its output.
     */
    static LlmCall.Builder guardrail(ChatContext parent, GuardrailExecutedEvent<?, ?, ?> e) {
        Duration took = e.duration() == null ? Duration.ZERO : e.duration();
        GuardrailResult<?> result = e.result();
        boolean input = e instanceof InputGuardrailExecutedEvent;
        String checked = null;
        if (e.request() instanceof InputGuardrailRequest r && r.userMessage() != null) {
            checked = r.userMessage().hasSingleText() ? r.userMessage().singleText() : "[multimodal]";
        } else if (e.request() instanceof OutputGuardrailRequest r && r.responseFromLLM() != null && r.responseFromLLM().aiMessage() != null) {
            checked = r.responseFromLLM().aiMessage().text();
        }
        Map<String, Object> meta = new java.util.LinkedHashMap<>();
        meta.put("direction", input ? "input" : "output");
        String outcome = result == null || result.result() == null ? "unknown" : result.result().name().toLowerCase(java.util.Locale.ROOT);
        meta.put("result", outcome);
        LlmCall.Builder row = LlmCall.builder().callId(Ids.newId()).callType(CallType.GUARDRAIL)
                .context(parent).callSequence(parent.nextSequence()).functionName(e.guardrailName())
                .inputText(checked).startedAt(Instant.now().minus(took)).durationMs(took.toNanos() / 1e6)
                .inputTokens(0).outputTokens(0).tokenSource(TokenSource.PROVIDER).metadata(meta);
        if (result != null && !result.isSuccess()) {
            StringBuilder why = new StringBuilder();
            for (Object f : result.failures()) {
                if (why.length() > 0) why.append("; ");
                why.append(f instanceof GuardrailResult.Failure x ? x.message() : String.valueOf(f));
            }
            row.success(false).errorType("guardrail_refused").errorMessage(why.toString());
        } else if (result != null && result.hasRewrittenResult()) {
            row.outputText(result.successfulText());
        }
        return row;
    }
}
