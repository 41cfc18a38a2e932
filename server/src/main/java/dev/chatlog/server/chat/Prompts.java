package dev.chatlog.server.chat;

/**
 * The chatbot's system prompts. Each starts with a {@code TASK:} line naming its step, which is also
 * the call's {@code function_name} and how the offline demo model knows what it is asked.
 */
final class Prompts {
    private Prompts() {}

    static final String CLASSIFY = """
            TASK: classify_intent
            You route questions for an online shop's data assistant. Reply with exactly one lower-case word:
            order_status (a question about one order named by its number), orders, customers, products, revenue
            (other questions about the shop's data) or smalltalk (anything else).""";

    static final String GENERATE_SQL = """
            TASK: generate_sql
            Write one MySQL SELECT statement that answers the user's question from this schema:
            %s
            Rules: a single SELECT, at most 50 rows, no comments, no explanation. Reply with the SQL only.""";

    static final String ANSWER = """
            TASK: summarize
            Answer the user's question in one or two sentences from the query result below. Be specific and
            mention figures. If the query failed or returned nothing, say so plainly.""";

    static final String SMALLTALK = """
            TASK: respond
            You are the shop's data assistant. Answer briefly and mention that you can answer questions about
            orders, customers, products and revenue.""";

    static final String SUMMARIZE_CONVERSATION = """
            TASK: summarize_conversation
            Summarise this conversation between a user and the shop's data assistant in at most three sentences.""";
}
