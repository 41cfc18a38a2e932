package dev.chatlog.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class IdsTest {
    @Test
    void should_make_unique_time_ordered_version_7_uuids() throws Exception {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 200_000; i++) {
            assertTrue(seen.add(Ids.newId()));
        }
        UUID u = UUID.fromString(Ids.newId());
        assertEquals(7, u.version());
        assertEquals(2, u.variant());
        String a = Ids.newId();
        Thread.sleep(2);
        String b = Ids.newId();
        assertTrue(a.compareTo(b) < 0, a + " then " + b);
        long ms = u.getMostSignificantBits() >>> 16;
        assertTrue(Math.abs(System.currentTimeMillis() - ms) < 5_000);
    }
}
