package dev.chatlog.server.chat;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;

/**
 * Recent turns per conversation, so {@code conversation_id} carries context across requests: kept
 * in memory (bounded, least recently used out) and read back from the messages table when a
 * conversation is not in memory (after a restart, or on another instance).
 */
final class ConversationMemory {
    static final int TURNS = 6;
    private static final int CONVERSATIONS = 10_000;

    record Turn(String user, String assistant) {}

    private final Jdbi jdbi;
    private final Map<String, Deque<Turn>> recent = Collections.synchronizedMap(
            new LinkedHashMap<>(256, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Deque<Turn>> eldest) {
                    return size() > CONVERSATIONS;
                }
            });

    ConversationMemory(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    List<Turn> turns(String conversationId) {
        Deque<Turn> d = recent.get(conversationId);
        if (d != null) {
            synchronized (d) {
                return List.copyOf(d);
            }
        }
        List<Turn> stored = jdbi.withHandle(h -> h.createQuery("""
                SELECT user_input, COALESCE(conversation_message, final_output) FROM chatbot_conversation_messages
                WHERE conversation_id = :c ORDER BY `timestamp` DESC LIMIT :n""")
                .bind("c", conversationId).bind("n", TURNS)
                .map((rs, ctx) -> new Turn(rs.getString(1), rs.getString(2))).list());
        List<Turn> ordered = new java.util.ArrayList<>(stored);
        Collections.reverse(ordered);
        return ordered;
    }

    void add(String conversationId, Turn turn) {
        Deque<Turn> d = recent.computeIfAbsent(conversationId, k -> new ArrayDeque<>());
        synchronized (d) {
            d.addLast(turn);
            while (d.size() > TURNS) d.removeFirst();
        }
    }
}
