package dev.chatlog.core.internal;

import dev.chatlog.core.internal.spool.DiskSpool;
import dev.chatlog.core.internal.spool.SpoolPosition;
import dev.chatlog.core.internal.spool.SpoolReader;

import dev.chatlog.core.Batch;
import dev.chatlog.core.ConversationMessage;
import dev.chatlog.core.LlmCall;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spool to store, in order (one thread): reads a chunk, writes it through the {@link StoreWriter},
 * reports it shipped, and moves the checkpoint to where it was {@code checkpointLag} ago, so the
 * checkpoint trails the database's own log flush (a database that flushes its log once a second
 * can lose its last second of commits to a power cut; the records stay in the spool and replay,
 * the store ignoring what it already has).
 *
 * <p>Turns that never closed. It follows the {@code TurnOpened} markers and the messages that close
 * them, and keeps the turns still open in the checkpoint. When a restart has shipped everything an
 * earlier process left in the spool, the turns that process left open can never close: each gets
 * a failed message row marked incomplete, which also makes its calls belong to a visible message
 * and its conversation's summary equal the sum of its messages.
 */
public final class SpoolShipper implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(SpoolShipper.class);
    public static final String INCOMPLETE = "incomplete: the process stopped before this turn closed (recovered at the next start)";
    private static final int MAX_OPEN_TURNS = 100_000;

    private record Open(RecordCodec.TurnOpened turn, String line) {}

    private record Point(long nanos, SpoolPosition position, List<String> state, boolean written) {
        Point(long nanos, SpoolPosition position, List<String> state) {
            this(nanos, position, state, false);
        }

        Point asWritten() {
            return new Point(nanos, position, state, true);
        }
    }

    private final DiskSpool spool;
    private final StoreWriter store;
    private final LoggerCounters counters;
    private final Lifecycle lifecycle;
    private final int batchSize;
    private final long lagNanos;
    private final LinkedHashMap<String, Open> openTurns = new LinkedHashMap<>();
    private final ArrayDeque<Point> trail = new ArrayDeque<>();
    private volatile boolean stop;
    private volatile long oldestUnshippedMillis;
    private boolean recovering;

    public SpoolShipper(DiskSpool spool, StoreWriter store, LoggerCounters counters, Lifecycle lifecycle, int batchSize, Duration checkpointLag) {
        this.spool = spool;
        this.store = store;
        this.counters = counters;
        this.lifecycle = lifecycle;
        this.batchSize = batchSize;
        this.lagNanos = checkpointLag.toNanos();
        for (String line : spool.opened().state()) {
            try {
                if (line.isBlank()) continue;
                Object o = RecordCodec.decode(DiskSpool.VERSION, Base64.getDecoder().decode(line.trim()));
                if (o instanceof RecordCodec.TurnOpened t) openTurns.put(key(t.conversationId(), t.messageId()), new Open(t, line.trim()));
            } catch (RuntimeException e) {
                log.warn("spool checkpoint: an open turn could not be read; skipped ({})", e.toString());
            }
        }
        this.recovering = true;
    }

    private static String key(String conversationId, String messageId) {
        return (conversationId == null ? "" : conversationId) + '\u0000' + messageId;
    }

    public void stop() {
        stop = true;
    }

    /** How long the oldest record not yet in the database has been in the spool (0: none waiting). */
    public long backlogMillis() {
        long oldest = oldestUnshippedMillis;
        return oldest == 0 || spool.pendingRecords() == 0 ? 0 : Math.max(0, System.currentTimeMillis() - oldest);
    }

    @Override
    public void run() {
        while (true) {
            SpoolReader.Chunk chunk;
            try {
                chunk = spool.read(batchSize, 100, recovering ? spool.recoveryEnd() : null);
            } catch (InterruptedException e) {
                if (stop) break;
                continue;
            } catch (RuntimeException e) {
                counters.lastError = e.toString();
                log.error("chatlog spool read failed", e);
                if (stop) break;
                sleepQuietly(500);
                continue;
            }
            if (chunk.frames().isEmpty()) {
                if (recovering && chunk.end().compareTo(spool.recoveryEnd()) >= 0) {
                    if (!closeLeftOpenTurns(chunk.end())) break;
                    continue;
                }
                try {
                    advanceCheckpoint();
                } catch (RuntimeException e) {
                    log.warn("chatlog spool checkpoint failed: {}", e.toString());
                }
                if (stop) break;
                continue;
            }
            if (!ship(chunk)) {
                return; // closing and the store is unreachable: the records stay in the spool for the next start
            }
        }
        Thread.interrupted(); // close() may have woken a backoff sleep; the checkpoint's file I/O must not see it
        if (!trail.isEmpty()) {
            Point last = trail.peekLast();
            try {
                spool.checkpoint(last.position(), last.state()); // a clean stop: nothing to replay
            } catch (RuntimeException e) {
                log.warn("chatlog: last checkpoint not written ({}); the next start replays a little more", e.toString());
            }
        }
    }

    private boolean ship(SpoolReader.Chunk chunk) {
        List<LlmCall> calls = new ArrayList<>();
        List<ConversationMessage> messages = new ArrayList<>();
        List<dev.chatlog.core.score.Score> scores = new ArrayList<>();
        long first = chunk.frames().get(0).appendedAtMillis();
        oldestUnshippedMillis = first == 0 ? System.currentTimeMillis() : first;
        for (SpoolReader.Frame f : chunk.frames()) {
            try {
                PipelineRecord o = RecordCodec.decode(f.version(), f.record());
                if (o instanceof PipelineRecord.Call c) {
                    calls.add(c.call());
                } else if (o instanceof PipelineRecord.Message m) {
                    messages.add(m.message());
                    openTurns.remove(key(m.message().conversationId(), m.message().messageId()));
                } else if (o instanceof PipelineRecord.Scored s) {
                    scores.add(s.score());
                } else if (o instanceof RecordCodec.TurnOpened t) {
                    opened(t);
                }
            } catch (RuntimeException e) {
                counters.rejected.incrementAndGet();
                log.error("chatlog could not decode a spooled record; it is skipped", e);
            }
        }
        if (!store.write(new Batch(calls, messages, scores), true)) {
            return false;
        }
        spool.shipped(chunk.end(), chunk.frames().size());
        oldestUnshippedMillis = 0;
        moveCheckpoint(chunk.end());
        lifecycle.progressed();
        return true;
    }

    private void opened(RecordCodec.TurnOpened t) {
        String line = Base64.getEncoder().encodeToString(RecordCodec.encode(t));
        openTurns.put(key(t.conversationId(), t.messageId()), new Open(t, line));
        if (openTurns.size() > MAX_OPEN_TURNS) { // turns never closed by the application: forget the oldest
            Iterator<Map.Entry<String, Open>> it = openTurns.entrySet().iterator();
            it.next();
            it.remove();
        }
    }

    /** Everything the earlier process left is shipped: the turns it left open never close. */
    private boolean closeLeftOpenTurns(SpoolPosition at) {
        recovering = false;
        if (!openTurns.isEmpty()) {
            List<ConversationMessage> incomplete = new ArrayList<>();
            for (Open o : openTurns.values()) {
                RecordCodec.TurnOpened t = o.turn();
                incomplete.add(ConversationMessage.builder().conversationId(t.conversationId()).messageId(t.messageId())
                        .userInput(t.userInput()).timestamp(t.openedAt() == null ? Instant.now() : t.openedAt())
                        .success(false).errorMessage(INCOMPLETE).build());
            }
            if (!store.write(new Batch(List.of(), incomplete), true)) {
                return false;
            }
            log.warn("chatlog: {} turn(s) left open by a process that stopped are recorded as incomplete", incomplete.size());
            openTurns.clear();
        }
        trail.clear();
        spool.checkpoint(at, List.of());
        spool.shipped(at, 0);
        trail.add(new Point(System.nanoTime(), at, List.of(), true));
        return true;
    }

    private void moveCheckpoint(SpoolPosition shipped) {
        List<String> state = new ArrayList<>(openTurns.size());
        for (Open o : openTurns.values()) state.add(o.line());
        trail.add(new Point(System.nanoTime(), shipped, state));
        advanceCheckpoint();
    }

    /** Writes the newest checkpoint at least {@code checkpointLag} old (also while idle). */
    private void advanceCheckpoint() {
        long now = System.nanoTime();
        if (trail.isEmpty() || now - trail.peekFirst().nanos() < lagNanos) return;
        if (trail.size() == 1 && trail.peekFirst().written) return;
        Point due = null;
        while (!trail.isEmpty() && now - trail.peekFirst().nanos() >= lagNanos) {
            due = trail.pollFirst();
        }
        if (due != null) {
            spool.checkpoint(due.position(), due.state());
            if (trail.isEmpty()) trail.add(due.asWritten()); // kept for the clean stop
        }
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
