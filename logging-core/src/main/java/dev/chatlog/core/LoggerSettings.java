package dev.chatlog.core;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a {@link ChatLogger} queues, batches, cuts and masks what it records: the one place its defaults are
 * written and its values checked. The server maps its {@code CHATLOG_*} variables onto it, the Spring Boot
 * starter its {@code chatlog.*} properties, a library user the builder's methods.
 *
 * @param queueCapacity    records held in memory before the caller's records are dropped (and counted)
 * @param batchSize        most records written in one database transaction
 * @param maxTextLength    longest text stored per field, in characters; longer text is cut and marked
 * @param masking          whether secrets and personal data are masked in stored texts
 * @param maskPatterns     extra regular expressions to mask
 * @param flushInterval    without a spool: how long the writer lingers for a fuller batch
 * @param maxBackoff       longest wait between two tries of a failed write
 * @param closeTimeout     how long closing waits for what is queued to be written
 * @param converterThreads threads that convert large batches (render, count tokens, price, mask)
 * @param turnSummaries    one INFO line per stored turn on the {@code dev.chatlog.turns} logger
 */
public record LoggerSettings(int queueCapacity, int batchSize, int maxTextLength, boolean masking, List<String> maskPatterns,
                             Duration flushInterval, Duration maxBackoff, Duration closeTimeout, int converterThreads,
                             boolean turnSummaries) {
    public static final int DEFAULT_QUEUE_CAPACITY = 65_536;
    public static final int DEFAULT_BATCH_SIZE = 2_000;
    public static final int DEFAULT_MAX_TEXT_LENGTH = 1_000;
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(10);

    public LoggerSettings {
        maskPatterns = List.copyOf(Objects.requireNonNull(maskPatterns, "maskPatterns"));
        Objects.requireNonNull(flushInterval, "flushInterval");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        Objects.requireNonNull(closeTimeout, "closeTimeout");
    }

    /** The defaults: a queue of 65,536, batches of 2,000, texts cut at 1,000 characters, masking on. */
    public static LoggerSettings defaults() {
        return new LoggerSettings(DEFAULT_QUEUE_CAPACITY, DEFAULT_BATCH_SIZE, DEFAULT_MAX_TEXT_LENGTH, true, List.of(),
                Duration.ofMillis(50), Duration.ofSeconds(5), DEFAULT_CLOSE_TIMEOUT,
                Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())), false);
    }

    /** These settings if every value is in range; else an {@link InvalidDefinitionException} naming the field. */
    public LoggerSettings validate() {
        InvalidDefinitionException.requireBetween("queueCapacity", queueCapacity, 1, 10_000_000);
        InvalidDefinitionException.requireBetween("batchSize", batchSize, 1, 50_000);
        InvalidDefinitionException.requireBetween("maxTextLength", maxTextLength, 16, 1_000_000);
        InvalidDefinitionException.requireBetween("converterThreads", converterThreads, 1, 64);
        InvalidDefinitionException.requireNotNegative("flushInterval", flushInterval);
        InvalidDefinitionException.requireNotNegative("maxBackoff", maxBackoff);
        InvalidDefinitionException.requireNotNegative("closeTimeout", closeTimeout);
        for (String p : maskPatterns) {
            try {
                java.util.regex.Pattern.compile(p);
            } catch (java.util.regex.PatternSyntaxException e) {
                throw new InvalidDefinitionException("maskPatterns", "maskPatterns: '" + p + "' is not a regular expression: " + e.getDescription());
            }
        }
        return this;
    }

    public LoggerSettings withQueueCapacity(int v) { return new LoggerSettings(v, batchSize, maxTextLength, masking, maskPatterns, flushInterval, maxBackoff, closeTimeout, converterThreads, turnSummaries); }
    public LoggerSettings withBatchSize(int v) { return new LoggerSettings(queueCapacity, v, maxTextLength, masking, maskPatterns, flushInterval, maxBackoff, closeTimeout, converterThreads, turnSummaries); }
    public LoggerSettings withMaxTextLength(int v) { return new LoggerSettings(queueCapacity, batchSize, v, masking, maskPatterns, flushInterval, maxBackoff, closeTimeout, converterThreads, turnSummaries); }
    public LoggerSettings withMasking(boolean on, List<String> patterns) { return new LoggerSettings(queueCapacity, batchSize, maxTextLength, on, patterns, flushInterval, maxBackoff, closeTimeout, converterThreads, turnSummaries); }
    public LoggerSettings withFlushInterval(Duration v) { return new LoggerSettings(queueCapacity, batchSize, maxTextLength, masking, maskPatterns, v, maxBackoff, closeTimeout, converterThreads, turnSummaries); }
    public LoggerSettings withMaxBackoff(Duration v) { return new LoggerSettings(queueCapacity, batchSize, maxTextLength, masking, maskPatterns, flushInterval, v, closeTimeout, converterThreads, turnSummaries); }
    public LoggerSettings withCloseTimeout(Duration v) { return new LoggerSettings(queueCapacity, batchSize, maxTextLength, masking, maskPatterns, flushInterval, maxBackoff, v, converterThreads, turnSummaries); }
    public LoggerSettings withConverterThreads(int v) { return new LoggerSettings(queueCapacity, batchSize, maxTextLength, masking, maskPatterns, flushInterval, maxBackoff, closeTimeout, v, turnSummaries); }
    public LoggerSettings withTurnSummaries(boolean v) { return new LoggerSettings(queueCapacity, batchSize, maxTextLength, masking, maskPatterns, flushInterval, maxBackoff, closeTimeout, converterThreads, v); }
}
