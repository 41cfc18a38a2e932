package dev.chatlog.core;

/**
 * Where the logger's spans go when traces are on ({@link ChatLogger.Builder#traces}); the
 * implementation is {@code dev.chatlog.opentelemetry.ChatLogTraces} (the {@code chatlog-opentelemetry} artifact), on the OpenTelemetry SDK. The
 * logger holds none when traces are off, so nothing here runs, and no OpenTelemetry class loads.
 */
public interface Tracing {
    /**
     * The trace a record started now on this thread belongs to when no chatlog record encloses it:
     * the application's current span (a child of it), else a new trace; null when the application's
     * current span is not sampled (then nothing under it is exported either). Caller's thread: cheap.
     */
    TraceParent join();

    /**
     * Makes {@code span} (a turn's or a step's own span) the application's current span on this
     * thread until the scope closes, so spans the application starts inside it are its children.
     */
    ChatContext.Scope enter(TraceParent span);

    /** Turns the calls and messages of a stored batch into spans and queues them for export (writer thread). */
    void export(Batch batch);

    /** Exports what is queued and stops. */
    void close();
}
