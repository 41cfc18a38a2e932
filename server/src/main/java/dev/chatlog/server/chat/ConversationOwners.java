package dev.chatlog.server.chat;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * Who a conversation belongs to: the {@code user_id} of its first turn, or nobody (anonymous).
 * Only its owner may continue it (an anonymous one only anonymously): otherwise a client naming
 * another user's {@code conversation_id} would read that user's turns back through the prompt and
 * write into their conversation. Known owners are kept in memory (bounded); a conversation not in
 * memory is looked up in its summary row (after a restart, or started on another instance; a
 * turn another instance has not yet written is the one window this cannot see).
 */
final class ConversationOwners {
    private static final int CONVERSATIONS = 100_000;
    private static final String ANONYMOUS = "";

    private final Jdbi jdbi;
    private final Map<String, String> owners = Collections.synchronizedMap(new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > CONVERSATIONS;
        }
    });

    ConversationOwners(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /**
     * Whether {@code userId} (null: anonymous) may add a turn to {@code conversationId}; a
     * conversation never seen is claimed for that user by this call.
     */
    boolean mayContinue(String conversationId, String userId) {
        String user = userId == null ? ANONYMOUS : userId;
        String owner = owners.get(conversationId);
        if (owner == null) {
            Optional<String> stored = jdbi.withHandle(h -> h.createQuery(
                    "SELECT COALESCE(user_id, '') FROM chatbot_conversation_summary WHERE conversation_id = :c")
                    .bind("c", conversationId).mapTo(String.class).findOne());
            String candidate = stored.orElse(user);
            owner = owners.putIfAbsent(conversationId, candidate);
            if (owner == null) owner = candidate;
        }
        return owner.equals(user);
    }

    /** Records the owner of a conversation this process just started. */
    void claim(String conversationId, String userId) {
        owners.putIfAbsent(conversationId, userId == null ? ANONYMOUS : userId);
    }
}
