package dev.chatlog.spring;

import dev.chatlog.core.InvalidDefinitionException;
import dev.chatlog.judge.JudgeSettings;
import dev.chatlog.judge.OnlineJudge;
import java.util.LinkedHashSet;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code chatlog.judge.*}: the LLM judge (see docs/quality.md), off unless {@code enabled}. Its model is the bean named
 * {@code chatlogJudgeModel}, else the application's only {@code ChatModel} (observed and, with budgets, guarded like
 * every model bean). Checked by {@link JudgeSettings}, the record the server's {@code CHATLOG_JUDGE_*} variables fill.
 */
@ConfigurationProperties(prefix = "chatlog.judge")
public class ChatlogJudgeProperties {
    /** Rate turns (or calls) with an LLM judge. */
    private boolean enabled;
    /** The judge's name: its scores' evaluator, its calls' function {@code judge:<name>} and tag. */
    private String name = "judge";
    /** The share of stored turns (or calls) rated online, 0 to 1 (0: none; backfills only). */
    private double sampleRate = 0.1;
    /** {@code message} (a turn) or {@code call} (one chat call). */
    private String target = "message";
    /** Only calls of these models are rated online (calls only; empty: all). */
    private Set<String> models = new LinkedHashSet<>();
    /** Only calls of these agents are rated online (calls only; empty: all). */
    private Set<String> agents = new LinkedHashSet<>();
    /** Only turns of these intents are rated online (turns only; empty: all). */
    private Set<String> intents = new LinkedHashSet<>();
    /** Targets waiting for the online judge; a full queue skips, counted. */
    private int queue = 1000;

    public boolean isEnabled() { return enabled; }
    public void setEnabled(boolean v) { enabled = v; }
    public String getName() { return name; }
    public void setName(String v) { name = v; }
    public double getSampleRate() { return sampleRate; }
    public void setSampleRate(double v) { sampleRate = v; }
    public String getTarget() { return target; }
    public void setTarget(String v) { target = v; }
    public Set<String> getModels() { return models; }
    public void setModels(Set<String> v) { models = v; }
    public Set<String> getAgents() { return agents; }
    public void setAgents(Set<String> v) { agents = v; }
    public Set<String> getIntents() { return intents; }
    public void setIntents(Set<String> v) { intents = v; }
    public int getQueue() { return queue; }
    public void setQueue(int v) { queue = v; }

    /** The settings, checked by {@link JudgeSettings} (a bad value stops the start naming its property). */
    JudgeSettings settings() {
        return InvalidDefinitionException.naming(java.util.Map.of("name", "chatlog.judge.name", "queue", "chatlog.judge.queue",
                "sample_rate", "chatlog.judge.sample-rate", "target", "chatlog.judge.target"), () -> new JudgeSettings(enabled, name, null,
                new OnlineJudge.Sampling(sampleRate, JudgeSettings.target(target), models, agents, intents), queue));
    }
}
