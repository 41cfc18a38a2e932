package dev.chatlog.langchain4j;

import dev.chatlog.core.CallType;
import dev.chatlog.core.ChatContext;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.Ids;
import dev.chatlog.core.LlmCall;
import dev.chatlog.core.budget.BudgetException;
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
 * at what it made, and logged as a row of its type under the current context. On the caller's thread: the context,
 * and, under budgets only, the units asked and made (counts; for audio, its header read for the duration). Everything
 * the row shows is read on the logger's thread. Nothing reaches the application but the model's own error and a
 * budget's refusal (or its being unavailable, when the budgets fail closed).
 */
final class MediaCall {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(MediaCall.class);
    /** What a call made (or, failed, asked for): its output text, its metadata, the units it is billed for. */
    record Outcome(String output, Map<String, Object> metadata, Map<String, BigDecimal> units) {}

    /** The call's parts: the units its request asks (budgets), what it made (budgets), and its row's content. */
    record Parts<T>(Supplier<Map<String, BigDecimal>> asked, Function<T, Map<String, BigDecimal>> made,
                    Supplier<Outcome> request, Function<T, Outcome> outcome) {}

    private final ChatLogger logger;
    private final CallType type;
    private final String model;
    private final String provider;
    private final BudgetGuard budgets;
    private final java.util.concurrent.atomic.AtomicLong failures = new java.util.concurrent.atomic.AtomicLong();

    MediaCall(ChatLogger logger, CallType type, String model, String provider, BudgetGuard budgets) {
        this.logger = java.util.Objects.requireNonNull(logger, "logger");
        this.type = type;
        this.model = model;
        this.provider = provider;
        this.budgets = budgets;
    }

    /** chatlog's own failures while recording (never the application's). */
    long failures() {
        return failures.get();
    }

    private record Start(ChatContext context, int sequence, Instant at, long nanos) {}

    <T> T run(String input, Parts<T> parts, Supplier<T> call) {
        Start start = start();
        Map<String, BigDecimal> asked = Map.of();
        BudgetGate.Hold hold = BudgetGate.NONE;
        if (budgets != null) {
            asked = quietly(parts.asked(), Map.of()); // unknown: unpriced, which an enforced budget refuses
            try {
                hold = budgets.admitUnits(model, provider, asked);
            } catch (BudgetException refused) {
                failed(start, input, parts, refused, false);
                throw refused;
            } catch (RuntimeException e) {
                failures.incrementAndGet(); // chatlog's own failure: the call goes on, unbudgeted
            }
        }
        T result;
        try {
            result = call.get();
        } catch (RuntimeException | Error e) {
            boolean timeout = WorstCase.isTimeout(e); // the provider may have made (and billed) what never arrived
            if (budgets != null && timeout) {
                Map<String, BigDecimal> a = asked;
                settle(hold, quietly(() -> budgets.unitCost(model, provider, a), null));
            } else {
                release(hold);
            }
            failed(start, input, parts, e, timeout);
            throw e;
        }
        if (budgets != null) {
            settle(hold, quietly(() -> budgets.unitCost(model, provider, parts.made().apply(result)), null));
        }
        if (start != null) {
            long end = System.nanoTime();
            log(() -> {
                Outcome o = parts.outcome().apply(result);
                return row(start, end, input, o).outputText(o.output()).build();
            });
        }
        return result;
    }

    private Start start() {
        try {
            ChatContext c = logger.context();
            return new Start(c, c.nextSequence(), Instant.now(), System.nanoTime());
        } catch (Throwable t) {
            failures.incrementAndGet();
            return null; // unrecorded, as any listener failure; the call itself goes on
        }
    }

    /** A failed call's row: billed nothing, or (timed out) what it asked, as its budget was settled. */
    private <T> void failed(Start start, String input, Parts<T> parts, Throwable error, boolean billedAsAsked) {
        if (start == null) return;
        long end = System.nanoTime();
        log(() -> {
            Outcome asked = parts.request().get();
            Map<String, Object> meta = new LinkedHashMap<>(asked.metadata());
            Integer status = CallRenderer.httpStatus(error);
            if (status != null) meta.put("http_status", status);
            Map<String, BigDecimal> billed = new LinkedHashMap<>(asked.units());
            if (!billedAsAsked) billed.replaceAll((u, q) -> BigDecimal.ZERO); // refused or failed: it made nothing to bill
            return row(start, end, input, new Outcome(null, meta, billed)).success(false)
                    .errorType(error.getClass().getName()).errorMessage(error.getMessage()).build();
        });
    }

    private void log(Supplier<LlmCall> row) {
        try {
            logger.logCall(row);
        } catch (Throwable t) {
            failures.incrementAndGet();
        }
    }

    private <V> V quietly(Supplier<V> s, V otherwise) {
        try {
            return s.get();
        } catch (Throwable t) {
            failures.incrementAndGet();
            return otherwise;
        }
    }

    private LlmCall.Builder row(Start s, long end, String input, Outcome o) {
        Map<String, Object> meta = new LinkedHashMap<>(o.metadata());
        if (!o.units().isEmpty()) meta.put(BillableUnits.KEY, new LinkedHashMap<>(o.units()));
        // billed by the unit: no tokens of its own (the prompt's would be an estimate of nothing the provider bills)
        return LlmCall.builder().callId(Ids.newId()).callType(type).startedAt(s.at()).durationMs((end - s.nanos()) / 1e6).context(s.context())
                .callSequence(s.sequence()).provider(provider).model(model).inputText(input).inputTokens(0).outputTokens(0)
                .metadata(meta);
    }

    /** A unit-billed call failed before making anything: its hold released, never throwing. */
    private static void release(BudgetGate.Hold hold) {
        try {
            hold.release();
        } catch (RuntimeException e) {
            log.warn("chatlog: releasing a budget reservation failed; its lease will release it: {}", e.toString());
        }
    }

    /** A unit-billed call ended: its hold settled to {@code costUsd} (what it made), never throwing. */
    private static void settle(BudgetGate.Hold hold, BigDecimal costUsd) {
        try {
            hold.settle(costUsd);
        } catch (RuntimeException e) {
            log.warn("chatlog: settling a budget reservation failed; its lease will release it: {}", e.toString());
        }
    }
}
