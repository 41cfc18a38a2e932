package dev.chatlog.sql.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.sql.rollup.Dimension;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The one window and the one filter: alignment, the dimension filtered on, and the SQL they add. */
class WindowFilterTest {
    @Test
    void should_end_the_last_hours_with_the_current_hour_and_know_its_alignment() {
        Instant now = Instant.parse("2026-12-02T10:17:05Z");
        Window day = Window.lastHours(24, now);
        assertEquals(Instant.parse("2026-12-01T11:00:00Z"), day.from());
        assertEquals(Instant.parse("2026-12-02T11:00:00Z"), day.to());
        assertEquals(24, day.hours());
        assertTrue(day.hourAligned());
        assertFalse(day.dayAligned());
        Window all = Window.lastHours(0, now);
        assertTrue(all.allTime());
        assertEquals(Instant.EPOCH, all.from());
        Window days = Window.between(Instant.parse("2026-11-01T00:00:00Z"), Instant.parse("2026-11-03T00:00:00Z"));
        assertTrue(days.dayAligned() && days.hourAligned());
        assertFalse(Window.between(now, now.plusSeconds(3600)).hourAligned());
        assertEquals("started_at >= :w_from AND started_at < :w_to", days.where("started_at"));
        assertEquals("started_at >= :w_from AND started_at < :w_to AND conversation_id = :w_conv",
                new Window(Instant.EPOCH, now, "c-1").where("started_at"));
    }

    @Test
    void should_name_the_one_dimension_filtered_on_and_write_each_filter_once() {
        assertEquals(Dimension.ALL, Filter.NONE.single());
        assertEquals(Dimension.FUNCTION, new Filter(null, null, "search", null, null, null).single());
        assertEquals(Dimension.USER, new Filter(null, null, null, null, "ann", null).single());
        assertNull(new Filter("gpt-4o", "RAG", null, null, null, null).single());
        assertNull(new Filter(null, null, null, null, null, true).single()); // an outcome has no rollup rows
        Filter f = new Filter("gpt-4o", null, "search", "rag", "ann", false);
        assertEquals(" AND model = :f_model AND function_name = :f_function AND chat_mode = :f_mode AND user_id = :f_user"
                + " AND success = :f_success", f.where());
        assertEquals(" AND chat_mode = :f_mode AND user_id = :f_user AND success = :f_success", f.forMessages().where());
        assertTrue(f.onCalls());
        assertFalse(new Filter(null, null, null, "rag", "ann", null).onCalls());
    }
}
