package dev.chatlog.server.telemetry;

import dev.chatlog.core.ChatContext;
import dev.chatlog.opentelemetry.ChatLogTraces;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.resources.Resource;
import java.util.Map;

/**
 * The server's spans ({@link OtlpSettings#traces}): each chat turn, its LLM calls, tools and agent
 * steps over OTLP, and a turn joins the trace of the request's W3C {@code traceparent} header when it
 * has a valid one (an invalid one is ignored: the turn starts a trace of its own).
 */
public final class ServerTraces {
    private static final TextMapGetter<io.javalin.http.Context> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(io.javalin.http.Context ctx) {
            return ctx.headerMap().keySet();
        }

        @Override
        public String get(io.javalin.http.Context ctx, String key) {
            return ctx == null ? null : ctx.header(key);
        }
    };

    private final OtlpSettings settings;
    private final ChatLogTraces traces;

    private ServerTraces(OtlpSettings settings, ChatLogTraces traces) {
        this.settings = settings;
        this.traces = traces;
    }

    /** The server's traces, or null when they are off. */
    public static ServerTraces from(Map<String, String> env) {
        OtlpSettings s = OtlpSettings.traces(env);
        if (s == null) return null;
        OtlpHttpSpanExporterBuilder exporter = OtlpHttpSpanExporter.builder().setEndpoint(s.url());
        s.headers().forEach(exporter::addHeader);
        AttributesBuilder resource = Attributes.builder();
        s.resource().forEach(resource::put);
        return new ServerTraces(s, ChatLogTraces.builder(exporter.build()).resource(Resource.create(resource.build()))
                .scheduleDelay(s.interval()).build());
    }

    /** What the logger exports through. */
    public ChatLogTraces traces() {
        return traces;
    }

    public String url() {
        return settings.url();
    }

    /**
     * Makes the request's caller span (its {@code traceparent}) the current one until closed, so the
     * turn opened inside is its child.
     */
    public ChatContext.Scope join(io.javalin.http.Context ctx) {
        Context caller = W3CTraceContextPropagator.getInstance().extract(Context.root(), ctx, HEADERS);
        Scope scope = caller.makeCurrent();
        return scope::close;
    }

}
