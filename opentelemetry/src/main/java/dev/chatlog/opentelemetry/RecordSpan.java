package dev.chatlog.opentelemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.common.InstrumentationLibraryInfo;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import java.util.List;

/**
 * One stored record as a finished span: built after the fact from what the store took (its ids,
 * times and figures), handed to the SDK's span processor like a span the SDK ended itself.
 */
record RecordSpan(String name, SpanKind kind, SpanContext spanContext, SpanContext parentSpanContext, StatusData status,
                  long startEpochNanos, long endEpochNanos, Attributes attributes, Resource resource,
                  InstrumentationScopeInfo scope) implements SpanData, ReadableSpan {

    @Override public String getName() { return name; }
    @Override public SpanKind getKind() { return kind; }
    @Override public SpanContext getSpanContext() { return spanContext; }
    @Override public SpanContext getParentSpanContext() { return parentSpanContext; }
    @Override public StatusData getStatus() { return status; }
    @Override public long getStartEpochNanos() { return startEpochNanos; }
    @Override public long getEndEpochNanos() { return endEpochNanos; }
    @Override public Attributes getAttributes() { return attributes; }
    @Override public List<EventData> getEvents() { return List.of(); }
    @Override public List<LinkData> getLinks() { return List.of(); }
    @Override public boolean hasEnded() { return true; }
    @Override public int getTotalRecordedEvents() { return 0; }
    @Override public int getTotalRecordedLinks() { return 0; }
    @Override public int getTotalAttributeCount() { return attributes.size(); }
    @Override public Resource getResource() { return resource; }
    @Override public InstrumentationScopeInfo getInstrumentationScopeInfo() { return scope; }

    @Override
    @Deprecated
    public InstrumentationLibraryInfo getInstrumentationLibraryInfo() {
        return InstrumentationLibraryInfo.create(scope.getName(), scope.getVersion());
    }

    @Override public SpanData toSpanData() { return this; }
    @Override public long getLatencyNanos() { return endEpochNanos - startEpochNanos; }

    @Override
    public <T> T getAttribute(AttributeKey<T> key) {
        return attributes.get(key);
    }
}
