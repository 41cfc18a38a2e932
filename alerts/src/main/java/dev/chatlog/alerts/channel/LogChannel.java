package dev.chatlog.alerts.channel;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Notifications as one log line each ({@code dev.chatlog.alerts} logger): WARN for alerts, INFO otherwise. */
public final class LogChannel implements AlertChannel {
    private static final Logger log = LoggerFactory.getLogger("dev.chatlog.alerts");

    @Override
    public String name() {
        return "log";
    }

    @Override
    public void send(Outgoing n) {
        var j = n.json();
        String line = j.path("title").asText() + ": " + j.path("summary").asText() + " (key " + n.key() + ")";
        if ("ALERT".equals(j.path("state").asText())) log.warn(line);
        else log.info(line);
    }
}
