package dev.chatlog.langchain4j;

import dev.chatlog.core.CallType;
import dev.chatlog.core.ChatContext;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.Ids;
import dev.chatlog.core.LlmCall;
import dev.chatlog.core.budget.BudgetGate;
import dev.chatlog.core.price.BillableUnits;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One call of a model that has no LangChain4j listener (images, transcription, speech, re-ranking), run and recorded
 * by the decorators of {@link ChatLogMediaModels}: admitted by the budgets at what its request will make, sent, settled
 * at what it made, and logged as a row of its type under the current context. The caller thread only captures
 * references: what needs reading (an image's size, an audio's duration) is read on the logger's thread. Nothing here
 * throws into the application but the model's own error and a budget's refusal.
 */
final class MediaCall {
    /** What a finished call made: its output text, its metadata, the units it is billed for. */
    record Outcome(String output, Map<String, Object> metadata, Map<String, BigDecimal> units) {}

    private final ChatLogger logger;
    private final CallType type;
    private final String model;
    private final String provider;
    private final BudgetGuard budgets;

    MediaCall(ChatLogger logger, CallType type, String model, String provider, BudgetGuard budgets) {
        this.logger = java.util.Objects.requireNonNull(logger, "logger");
        this.type = type;
        this.model = model;
        this.provider = provider;
        this.budgets = budgets;
    }

    /**
     * Runs {@code call}: {@code request} is what is sent (its units reserved in the budgets), {@code outcome} reads the
     * result on the logger's thread.
     */
    <T> T run(String input, Supplier<Outcome> request, Supplier<T> call, Function<T, Outcome> outcome) {
        ChatContext c;
        int sequence;
        try {
            c = logger.context();
            sequence = c.nextSequence();
        } catch (RuntimeException e) {
            return call.get(); // never break the caller: unrecorded, as any listener failure
        }
        Instant at = Instant.now();
        long start = System.nanoTime();
        BudgetGate.Hold hold = BudgetGate.NONE;
        if (budgets != null) {
            Map<String, BigDecimal> asked = request.get().units();
            try {
                hold = budgets.admitUnits(model, provider, asked);
            } catch (dev.chatlog.core.budget.BudgetExceededException refused) {
                failed(c, sequence, at, start, input, request, refused);
                throw refused;
            }
        }
        T result;
        try {
            result = call.get();
        } catch (RuntimeException | Error e) {
            hold.release();
            failed(c, sequence, at, start, input, request, e);
            throw e;
        }
        long end = System.nanoTime();
        if (budgets != null) {
            BudgetGate.Hold h = hold;
            BigDecimal cost;
            try {
                cost = budgets.unitCost(model, provider, outcome.apply(result).units());
            } catch (RuntimeException e) {
                cost = null;
            }
            BudgetGuard.settle(h, cost);
        }
        logger.logCall(() -> {
            Outcome o = outcome.apply(result);
            return row(c, sequence, at, start, end, input, o).outputText(o.output()).build();
        });
        return result;
    }

    private void failed(ChatContext c, int sequence, Instant at, long start, String input, Supplier<Outcome> request, Throwable error) {
        long end = System.nanoTime();
        logger.logCall(() -> {
            Outcome asked = request.get();
            Map<String, Object> meta = new LinkedHashMap<>(asked.metadata());
            Integer status = CallRenderer.httpStatus(error);
            if (status != null) meta.put("http_status", status);
            Map<String, BigDecimal> none = new LinkedHashMap<>();
            asked.units().keySet().forEach(u -> none.put(u, BigDecimal.ZERO)); // a failed call made nothing to bill
            return row(c, sequence, at, start, end, input, new Outcome(null, meta, none)).success(false)
                    .errorType(error.getClass().getName()).errorMessage(error.getMessage()).build();
        });
    }

    private LlmCall.Builder row(ChatContext c, int sequence, Instant at, long start, long end, String input, Outcome o) {
        Map<String, Object> meta = new LinkedHashMap<>(o.metadata());
        if (!o.units().isEmpty()) meta.put(BillableUnits.KEY, new LinkedHashMap<>(o.units()));
        return LlmCall.builder().callId(Ids.newId()).callType(type).startedAt(at).durationMs((end - start) / 1e6).context(c)
                .callSequence(sequence).provider(provider).model(model).inputText(input).outputTokens(0).metadata(meta);
    }
}
