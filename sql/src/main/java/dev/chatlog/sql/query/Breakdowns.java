package dev.chatlog.sql.query;

import dev.chatlog.sql.rollup.Dimension;
import dev.chatlog.sql.rollup.Sums;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.jdbi.v3.core.Handle;

/**
 * Several breakdowns of one window under one filter, and its top-call lists, read in as few passes
 * as possible: the groups only the call rows answer (and the rankings with them) come from one
 * {@link CallPass}; the others from the {@link Planner}'s sources, the rankings then from {@link TopCalls}.
 * Callers ask for sums and top lists the same way whichever read answered them.
 */
public final class Breakdowns {
    private final Planner planner;
    private final Handle h;
    private final Window w;
    private final Filter f;
    private final CallPass.Result pass;

    private Breakdowns(Planner planner, Handle h, Window w, Filter f, CallPass.Result pass) {
        this.planner = planner;
        this.h = h;
        this.w = w;
        this.f = f;
        this.pass = pass;
    }

    /** Reads in one pass over the matching calls those of {@code groups} that only call rows answer (with the rankings). */
    public static Breakdowns read(Planner planner, Handle h, Window w, Filter f, List<Dimension> groups, List<Ranking> rankings) {
        List<Dimension> fromCalls = f.onCalls() ? groups.stream().filter(g -> planner.readsCalls(w, f, g)).toList() : List.of();
        return new Breakdowns(planner, h, w, f, fromCalls.isEmpty() ? null : CallPass.read(h, w, f, fromCalls, rankings, false));
    }

    /** Reads every group and ranking in one pass over the matching calls, messages counted as the distinct messages of the calls. */
    public static Breakdowns readCalls(Planner planner, Handle h, Window w, Filter f, List<Dimension> groups, List<Ranking> rankings) {
        return new Breakdowns(planner, h, w, f, CallPass.read(h, w, f, groups, rankings, true));
    }

    /** The sums of a group by key. */
    public Map<String, Sums> sums(Dimension group) {
        Map<String, Sums> read = pass == null ? null : pass.sums().get(group);
        return read != null ? read : planner.sums(h, w, f, group);
    }

    /** A ranking's top calls, their {@code columns}. */
    public List<Map<String, Object>> top(Ranking r, String columns) {
        CallPass.Top t = pass == null ? null : pass.tops().get(r);
        return t != null ? t.rows(h, columns) : TopCalls.find(h, w, f, r, columns);
    }

    /** How many calls a ranking qualified, when the calls were read; empty otherwise. */
    public OptionalLong qualified(Ranking r) {
        CallPass.Top t = pass == null ? null : pass.tops().get(r);
        return t == null ? OptionalLong.empty() : OptionalLong.of(t.qualified());
    }
}
