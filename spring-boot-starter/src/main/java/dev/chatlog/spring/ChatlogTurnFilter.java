package dev.chatlog.spring;

import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.MessageTurn;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One chat turn per HTTP request on {@code chatlog.web.turn-paths}: the conversation from the
 * {@code X-Conversation-Id} header (a new one when absent or malformed; the response carries it
 * back), the user from {@code X-User-Id} or the authenticated principal. Every LLM call the request
 * makes on its thread is attributed to the turn; the handler adds what it knows through
 * {@link #current()} (the user's input, the answer, an intent), and the message row is logged when
 * the request ends: failed if the handler threw or answered 5xx.
 */
public class ChatlogTurnFilter implements Filter {
    /** The request attribute holding the turn ({@code @RequestAttribute(ChatlogTurnFilter.ATTRIBUTE) MessageTurn turn}). */
    public static final String ATTRIBUTE = "chatlog.turn";
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:@-]{1,255}");
    private static final ThreadLocal<MessageTurn> CURRENT = new ThreadLocal<>();

    private final ChatLogger logger;
    private final String conversationHeader;
    private final String userHeader;

    public ChatlogTurnFilter(ChatLogger logger, String conversationHeader, String userHeader) {
        this.logger = logger;
        this.conversationHeader = conversationHeader;
        this.userHeader = userHeader;
    }

    /** The turn of the request this thread is serving, if the filter opened one. */
    public static Optional<MessageTurn> current() {
        return Optional.ofNullable(CURRENT.get());
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
        if (!(req instanceof HttpServletRequest http) || !(res instanceof HttpServletResponse response) || CURRENT.get() != null) {
            chain.doFilter(req, res);
            return;
        }
        String conversation = valid(http.getHeader(conversationHeader));
        String user = valid(http.getHeader(userHeader));
        if (user == null && http.getUserPrincipal() != null) user = http.getUserPrincipal().getName();
        MessageTurn turn = logger.beginMessage(conversation, null);
        if (user != null) turn.user(user);
        response.setHeader(conversationHeader, turn.conversationId());
        http.setAttribute(ATTRIBUTE, turn);
        CURRENT.set(turn);
        try {
            chain.doFilter(req, res);
            if (response.getStatus() >= 500) turn.failed("HTTP " + response.getStatus());
        } catch (IOException | ServletException | RuntimeException | Error e) {
            turn.failed(e.getClass().getSimpleName() + ": " + e.getMessage());
            throw e;
        } finally {
            CURRENT.remove();
            turn.close();
        }
    }

    private static String valid(String id) {
        return id != null && ID.matcher(id).matches() ? id : null;
    }
}
