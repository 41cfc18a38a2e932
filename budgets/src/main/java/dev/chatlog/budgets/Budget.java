package dev.chatlog.budgets;

import dev.chatlog.core.budget.BudgetSubject;

import java.math.BigDecimal;
import java.time.ZoneId;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A spending limit: what it covers ({@link Scope} and, but for {@code global}, the value it is
 * for: a user id, a model, a tag...), over which {@link BudgetPeriod} in which zone, up to how many
 * USD, with warning thresholds (fractions of the limit, default 0.8) and what happens at 100%:
 * {@link Action#ALERT} records and alerts, {@link Action#ENFORCE} refuses calls that could overshoot.
 */
public record Budget(String name, Scope scope, String value, BudgetPeriod period, ZoneId zone, BigDecimal limitUsd,
                     List<BigDecimal> warnAt, Action action) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:-]{1,100}");

    public enum Scope { GLOBAL, USER, MODEL, AGENT, CONVERSATION, CHAT_MODE, TAG, ARM;
        public static Scope parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("scope must be global, user, model, agent, conversation, chat_mode, tag or arm, got '" + s + "'");
            }
        }
    }

    public enum Action { ALERT, ENFORCE;
        public static Action parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("action must be alert or enforce, got '" + s + "'");
            }
        }
    }

    public Budget {
        if (!validName(name)) {
            throw new IllegalArgumentException("name must be 1 to 100 of letters, digits and . _ : -");
        }
        Objects.requireNonNull(scope, "scope");
        if (scope == Scope.GLOBAL) {
            if (value != null && !value.isEmpty()) throw new IllegalArgumentException("a global budget takes no value");
            value = "";
        } else if (value == null || value.isBlank() || value.length() > 255) {
            throw new IllegalArgumentException("a " + scope.name().toLowerCase(Locale.ROOT) + " budget needs a value of 1 to 255 characters");
        }
        Objects.requireNonNull(period, "period");
        zone = zone == null ? ZoneId.of("UTC") : zone; // shown as "UTC", as documented (ZoneOffset.UTC is "Z")
        if (limitUsd == null || limitUsd.signum() <= 0 || limitUsd.compareTo(new BigDecimal("1000000000")) > 0) {
            throw new IllegalArgumentException("limit_usd must be more than 0 and at most 1,000,000,000");
        }
        warnAt = warnAt == null || warnAt.isEmpty() ? List.of(new BigDecimal("0.8")) : List.copyOf(warnAt);
        for (BigDecimal w : warnAt) {
            if (w == null || w.signum() <= 0 || w.compareTo(BigDecimal.ONE) >= 0) {
                throw new IllegalArgumentException("warn_at values must be fractions of the limit between 0 and 1, got " + w);
            }
            if (w.stripTrailingZeros().scale() > 4) { // events store their threshold as DECIMAL(6,4): 0.83333 would never match its event
                throw new IllegalArgumentException("warn_at values have at most 4 decimals (such as 0.8 or 0.8333), got " + w);
            }
        }
        action = action == null ? Action.ALERT : action;
    }

    /** Whether {@code name} can name a budget: 1 to 100 of letters, digits and {@code . _ : -}. */
    public static boolean validName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    public boolean enforced() {
        return action == Action.ENFORCE;
    }

    /**
     * Whether the budget counts a call of {@code s}: a global one counts every call; the others
     * compare their value with the subject's user, model, agent, conversation or chat mode
     * (exactly), or look for it among the turn's tags; an arm budget ({@code checkout-model/cheap}) covers the calls of
     * the turns in that experiment arm. A model budget also matches the model's
     * name without a provider prefix ({@code openai/gpt-4o} is {@code gpt-4o}), case aside.
     */
    public boolean covers(BudgetSubject s) {
        return switch (scope) {
            case GLOBAL -> true;
            case USER -> value.equals(s.userId());
            case MODEL -> s.model() != null && (value.equalsIgnoreCase(s.model())
                    || value.equalsIgnoreCase(s.model().substring(s.model().lastIndexOf('/') + 1)));
            case AGENT -> value.equals(s.agent());
            case CONVERSATION -> value.equals(s.conversationId());
            case CHAT_MODE -> value.equals(s.chatMode());
            case TAG -> s.tags().contains(value);
            case ARM -> value.equals(s.arm());
        };
    }
}
