package dev.chatlog.sql.query;

import dev.chatlog.sql.rollup.Dimension;
import org.jdbi.v3.core.statement.SqlStatement;

/**
 * What the figures are narrowed to; null means any. {@code function} is the call's function name;
 * {@code success} filters calls by outcome; {@code arm} is an experiment arm ({@code checkout-model/cheap}). Model,
 * agent, function and outcome are call attributes that message rows do not have; chat mode, user and arm are on both.
 */
public record Filter(String model, String agent, String function, String chatMode, String user, Boolean success, String arm) {
    public static final Filter NONE = new Filter(null, null, null, null, null, null, null);

    /** A filter on no arm. */
    public Filter(String model, String agent, String function, String chatMode, String user, Boolean success) {
        this(model, agent, function, chatMode, user, success, null);
    }

    /** This filter narrowed to one experiment arm (null: any). */
    public Filter withArm(String a) {
        return new Filter(model, agent, function, chatMode, user, success, a);
    }

    /** The one dimension filtered on, {@link Dimension#ALL} when none; null when more than one, or an outcome. */
    public Dimension single() {
        if (success != null) return null;
        Dimension dim = Dimension.ALL;
        int n = 0;
        for (Dimension d : new Dimension[] {Dimension.MODEL, Dimension.AGENT, Dimension.FUNCTION, Dimension.CHAT_MODE, Dimension.USER, Dimension.ARM}) {
            if (value(d) != null) {
                dim = d;
                n++;
            }
        }
        return n <= 1 ? dim : null;
    }

    /** The value filtered on in a dimension, or null. */
    public String value(Dimension d) {
        return switch (d) {
            case MODEL -> model;
            case AGENT -> agent;
            case FUNCTION -> function;
            case CHAT_MODE -> chatMode;
            case USER -> user;
            case ARM -> arm;
            default -> null;
        };
    }

    /** Whether it filters on an attribute only calls have (model, agent, function, outcome). */
    public boolean onCalls() {
        return model != null || agent != null || function != null || success != null;
    }

    /** The part that applies to message rows: chat mode, user, outcome and arm. */
    public Filter forMessages() {
        return new Filter(null, null, null, chatMode, user, success, arm);
    }

    /** {@code AND column = :f_...} for each value set; bind with {@link #bind}. */
    public String where() {
        StringBuilder sb = new StringBuilder();
        if (model != null) sb.append(" AND model = :f_model");
        if (agent != null) sb.append(" AND agent = :f_agent");
        if (function != null) sb.append(" AND function_name = :f_function");
        if (chatMode != null) sb.append(" AND chat_mode = :f_mode");
        if (user != null) sb.append(" AND user_id = :f_user");
        if (success != null) sb.append(" AND success = :f_success");
        if (arm != null) sb.append(" AND arm = :f_arm");
        return sb.toString();
    }

    public <T extends SqlStatement<T>> T bind(T q) {
        if (model != null) q.bind("f_model", model);
        if (agent != null) q.bind("f_agent", agent);
        if (function != null) q.bind("f_function", function);
        if (chatMode != null) q.bind("f_mode", chatMode);
        if (user != null) q.bind("f_user", user);
        if (success != null) q.bind("f_success", success);
        if (arm != null) q.bind("f_arm", arm);
        return q;
    }
}
