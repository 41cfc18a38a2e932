package dev.chatlog.langchain4j;

import dev.langchain4j.model.output.TokenUsage;
import java.lang.reflect.Method;

/**
 * Cached-input, cache-write and reasoning tokens from a provider's {@link TokenUsage} subclass, read
 * without a compile-time dependency on the provider module: OpenAI's
 * {@code inputTokensDetails().cachedTokens()} and {@code outputTokensDetails().reasoningTokens()};
 * Anthropic's {@code cacheReadInputTokens()} and {@code cacheCreationInputTokens()} (which Anthropic
 * reports outside the input count, so they are added to it: input tokens are always the whole
 * prompt); Gemini's {@code cachedContentTokenCount()} (inside its prompt count) and
 * {@code thoughtsTokenCount()} (outside its output count, so added to it: reasoning is billed as
 * output and stays part of it). Methods are looked up once per class.
 */
record UsageDetails(int inputTokens, int outputTokens, int cachedInputTokens, int cacheWriteTokens, int reasoningTokens) {

    private static final ClassValue<Accessors> ACCESSORS = new ClassValue<>() {
        @Override
        protected Accessors computeValue(Class<?> type) {
            return new Accessors(method(type, "inputTokensDetails"), method(type, "outputTokensDetails"),
                    method(type, "cacheReadInputTokens"), method(type, "cacheCreationInputTokens"),
                    method(type, "cachedContentTokenCount"), method(type, "thoughtsTokenCount"));
        }
    };

    static UsageDetails of(TokenUsage usage) {
        int in = usage.inputTokenCount() == null ? 0 : usage.inputTokenCount();
        int out = usage.outputTokenCount() == null ? 0 : usage.outputTokenCount();
        Accessors a = ACCESSORS.get(usage.getClass());
        int cached = intOf(invoke(invoke(usage, a.inputDetails), "cachedTokens"));
        int reasoning = intOf(invoke(invoke(usage, a.outputDetails), "reasoningTokens"));
        int cacheRead = intOf(invoke(usage, a.cacheRead));
        if (cacheRead > 0) {
            in += cacheRead;
            cached += cacheRead;
        }
        int cacheWrite = intOf(invoke(usage, a.cacheWrite));
        in += Math.max(cacheWrite, 0);
        cached += Math.max(intOf(invoke(usage, a.cachedContent)), 0);
        int thoughts = Math.max(intOf(invoke(usage, a.thoughts)), 0);
        if (thoughts > 0) {
            out += thoughts;
            reasoning += thoughts;
        }
        return new UsageDetails(in, out, cached, Math.max(cacheWrite, 0), reasoning);
    }

    private record Accessors(Method inputDetails, Method outputDetails, Method cacheRead, Method cacheWrite, Method cachedContent,
                             Method thoughts) {}

    private static Method method(Class<?> type, String name) {
        try {
            Method m = type.getMethod(name);
            m.setAccessible(true);
            return m;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    private static Object invoke(Object target, Method m) {
        if (target == null || m == null) {
            return null;
        }
        try {
            return m.invoke(target);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    private static Object invoke(Object target, String name) {
        return target == null ? null : invoke(target, method(target.getClass(), name));
    }

    private static int intOf(Object o) {
        return o instanceof Number n ? n.intValue() : 0;
    }
}
