package dev.chatlog.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.Predicate;

/** A sink for worker tests: keeps what it is given, can be made to block or fail. */
public final class InMemorySink implements ChatLogSink {
    public final List<LlmCall> calls = new ArrayList<>();
    public final List<ConversationMessage> messages = new ArrayList<>();
    public volatile CountDownLatch gate = new CountDownLatch(0);
    public volatile int failuresLeft;
    public volatile Predicate<LlmCall> poison = c -> false;
    public int batches;

    @Override
    public void write(Batch batch) throws Exception {
        gate.await();
        if (failuresLeft > 0) {
            failuresLeft--;
            throw new java.io.IOException("database unavailable");
        }
        for (LlmCall c : batch.calls()) {
            if (poison.test(c)) {
                throw new IllegalArgumentException("bad record " + c.callId());
            }
        }
        synchronized (this) {
            calls.addAll(batch.calls());
            messages.addAll(batch.messages());
            batches++;
        }
    }

    @Override
    public boolean isRetryable(Exception failure) {
        return !(failure instanceof IllegalArgumentException);
    }
}
