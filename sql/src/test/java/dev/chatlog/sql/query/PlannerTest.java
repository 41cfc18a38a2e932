package dev.chatlog.sql.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.sql.rollup.Dimension;
import dev.chatlog.sql.rollup.Measure;
import dev.chatlog.sql.rollup.Sums;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Where each breakdown is read from, decided without a database. */
class PlannerTest {
    private static final Instant D = Instant.parse("2026-10-01T00:00:00Z");
    private static final Window DAYS = Window.between(D, D.plusSeconds(2 * 86_400));
    private static final Window HOURS = Window.between(D.plusSeconds(9 * 3600), D.plusSeconds(16 * 3600));
    private static final Window HOURS_AND_DAYS = Window.between(D.plusSeconds(9 * 3600), D.plusSeconds(3 * 86_400 + 15 * 3600));
    private static final Window ODD = Window.between(D.plusSeconds(1234), D.plusSeconds(86_400 + 77));
    private static final Window SESSION = new Window(Instant.EPOCH, D, "conv-1");

    private final Planner planner = Planner.standard();

    private static Filter model(String m) {
        return new Filter(m, null, null, null, null, null);
    }

    private static Filter agent(String a) {
        return new Filter(null, a, null, null, null, null);
    }

    private String route(Window w, Filter f, Dimension g) {
        return planner.route(w, f, g);
    }

    @Test
    void should_read_unfiltered_figures_from_daily_rows_on_whole_days_and_hourly_rows_otherwise() {
        assertEquals("daily rollup", route(DAYS, Filter.NONE, Dimension.ALL));
        assertEquals("daily rollup", route(DAYS, Filter.NONE, Dimension.DAY));
        assertEquals("daily rollup", route(DAYS, Filter.NONE, Dimension.MODEL));
        assertEquals("daily rollup", route(DAYS, Filter.NONE, Dimension.INTENT));
        assertEquals("hourly rollup", route(DAYS, Filter.NONE, Dimension.HOUR)); // a series by hour needs hourly rows
        assertEquals("hourly rollup", route(HOURS, Filter.NONE, Dimension.ALL));
        assertEquals("hourly rollup", route(HOURS_AND_DAYS, Filter.NONE, Dimension.TOOL));
        assertEquals("hourly rollup", route(HOURS, Filter.NONE, Dimension.MODEL_FUNCTION));
    }

    @Test
    void should_read_the_calls_when_the_window_is_not_on_whole_hours_or_is_one_conversation() {
        assertEquals("user call rows", route(ODD, Filter.NONE, Dimension.USER));
        for (Dimension g : List.of(Dimension.ALL, Dimension.MODEL, Dimension.DAY, Dimension.TOOL)) {
            assertEquals("call rows", route(ODD, Filter.NONE, g), g.toString());
            assertEquals("call rows", route(SESSION, Filter.NONE, g), g.toString());
        }
        assertThrows(IllegalStateException.class, () -> route(ODD, Filter.NONE, Dimension.INTENT)); // a message attribute
    }

    @Test
    void should_group_users_from_the_per_user_days_and_one_user_from_the_calls() {
        assertEquals("user daily", route(DAYS, Filter.NONE, Dimension.USER));
        Filter ann = new Filter(null, null, null, null, "ann", null);
        assertEquals("user daily", route(DAYS, ann, Dimension.USER));
        assertEquals("user call rows", route(DAYS, ann, Dimension.ALL)); // with the latency histograms users lack
        assertEquals("user call rows", route(HOURS, ann, Dimension.DAY));
        assertEquals("user call rows", route(HOURS, Filter.NONE, Dimension.USER)); // no hourly per-user rows
        assertEquals("user call rows", route(DAYS, model("gpt-4o"), Dimension.USER)); // no model x user pair
        assertTrue(planner.readsCalls(DAYS, model("gpt-4o"), Dimension.USER));
    }

    @Test
    void should_answer_one_filter_from_its_own_rows_and_a_breakdown_under_it_from_the_pair_rows() {
        Filter gpt = model("gpt-4o");
        assertEquals("daily rollup", route(DAYS, gpt, Dimension.ALL));
        assertEquals("daily rollup", route(DAYS, gpt, Dimension.MODEL));
        assertEquals("hourly rollup", route(HOURS, gpt, Dimension.HOUR));
        assertEquals("pair rollup", route(DAYS, gpt, Dimension.AGENT));
        assertEquals("pair rollup", route(HOURS, gpt, Dimension.CHAT_MODE));
        assertEquals("pair rollup", route(HOURS_AND_DAYS, gpt, Dimension.MODEL_FUNCTION));
        assertEquals("call rows", route(DAYS, agent("RAGAgent"), Dimension.MODEL_FUNCTION)); // a pair without the agent
        assertEquals("pair rollup", route(DAYS, agent("RAGAgent"), Dimension.TOOL)); // tool x agent
        assertEquals("call rows", route(DAYS, gpt, Dimension.TOOL)); // tools have no model
        assertEquals("call rows", route(ODD, gpt, Dimension.AGENT));
        assertEquals("call rows", route(SESSION, gpt, Dimension.ALL));
    }

    @Test
    void should_read_the_calls_under_two_filters_an_outcome_or_a_value_holding_the_pair_separator() {
        Filter two = new Filter("gpt-4o", "RAGAgent", null, null, null, null);
        Filter failed = new Filter(null, null, null, null, null, false);
        for (Dimension g : List.of(Dimension.ALL, Dimension.MODEL, Dimension.AGENT, Dimension.DAY, Dimension.HOUR)) {
            assertEquals("call rows", route(DAYS, two, g), g.toString());
            assertEquals("call rows", route(HOURS, failed, g), g.toString());
        }
        Filter pipe = agent("Night|Shift");
        assertEquals("call rows", route(DAYS, pipe, Dimension.MODEL)); // its pair rows cannot be split
        assertEquals("daily rollup", route(DAYS, pipe, Dimension.AGENT)); // its own rows compare the whole value
        assertTrue(planner.readsCalls(DAYS, pipe, Dimension.MODEL));
        assertFalse(planner.readsCalls(DAYS, agent("RAGAgent"), Dimension.MODEL));
        assertTrue(planner.readsCalls(DAYS, two, Dimension.CHAT_MODE));
    }

    /** A source answering every question, with a fixed reply (empty: declines after reading). */
    private record Stub(String name, Optional<Map<String, Sums>> reply, List<String> asked) implements Source {
        @Override
        public boolean answers(Window w, Filter f, Dimension group) {
            return true;
        }

        @Override
        public Optional<Map<String, Sums>> read(org.jdbi.v3.core.Handle h, Window w, Filter f, Dimension group, Sums.Columns columns) {
            asked.add(name);
            return reply;
        }
    }

    @Test
    void should_fall_back_to_the_next_source_when_one_declines_after_reading() {
        List<String> asked = new ArrayList<>();
        Sums one = new Sums().add(Measure.LLM_CALLS, 3);
        Planner p = new Planner(List.of(new Stub("pairs", Optional.empty(), asked), new Stub("calls", Optional.of(Map.of("a", one)), asked)));
        assertEquals("pairs", p.route(DAYS, agent("x"), Dimension.MODEL));
        Map<String, Sums> got = p.sums(null, DAYS, agent("x"), Dimension.MODEL);
        assertEquals(List.of("pairs", "calls"), asked);
        assertEquals(3, got.get("a").count(Measure.LLM_CALLS));
        Planner none = new Planner(List.of(new Stub("pairs", Optional.empty(), asked)));
        assertThrows(IllegalStateException.class, () -> none.sums(null, DAYS, Filter.NONE, Dimension.ALL));
    }
}
