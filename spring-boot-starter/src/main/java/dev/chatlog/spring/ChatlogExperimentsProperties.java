package dev.chatlog.spring;

import dev.chatlog.core.InvalidDefinitionException;
import dev.chatlog.experiments.ExperimentSettings;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code chatlog.experiments.*}: A/B experiments (see docs/experiments.md), on unless {@code enabled=false}. Checked by
 * {@link ExperimentSettings}, the record the server's {@code CHATLOG_EXPERIMENTS*} variables fill.
 */
@ConfigurationProperties(prefix = "chatlog.experiments")
public class ChatlogExperimentsProperties {
    /** Run the experiments' router and guard. */
    private boolean enabled = true;
    /** Experiments defined at start: a JSON object of definitions by name, as {@code PUT /logging-dashboard/experiments/{name}} takes them. */
    private String definitions;
    /** Experiments started at start. */
    private Set<String> start = new LinkedHashSet<>();
    /** How often each instance reads the experiments again: a start or stop reaches it within this. */
    private Duration refresh = Duration.ofSeconds(5);
    /** How often the guardrails and arm budgets are checked (a breach stops the experiment). */
    private Duration checkInterval = Duration.ofSeconds(60);

    public boolean isEnabled() { return enabled; }
    public void setEnabled(boolean v) { enabled = v; }
    public String getDefinitions() { return definitions; }
    public void setDefinitions(String v) { definitions = v; }
    public Set<String> getStart() { return start; }
    public void setStart(Set<String> v) { start = v; }
    public Duration getRefresh() { return refresh; }
    public void setRefresh(Duration v) { refresh = v; }
    public Duration getCheckInterval() { return checkInterval; }
    public void setCheckInterval(Duration v) { checkInterval = v; }

    /** The settings, checked by {@link ExperimentSettings} (a bad value stops the start naming its property). */
    ExperimentSettings settings() {
        return InvalidDefinitionException.naming(Map.of("definitions", "chatlog.experiments.definitions", "start", "chatlog.experiments.start",
                "refresh", "chatlog.experiments.refresh", "checkInterval", "chatlog.experiments.check-interval"),
                () -> new ExperimentSettings(ExperimentSettings.parseDefinitions(definitions), start, refresh, checkInterval));
    }
}
