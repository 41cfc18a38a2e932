package dev.chatlog.server;

import dev.chatlog.budgets.BudgetStatus;
import dev.chatlog.experiments.ArmChatModel;
import dev.chatlog.experiments.ExperimentJson;
import dev.chatlog.experiments.ExperimentRuntime;
import dev.chatlog.experiments.ExperimentSettings;
import dev.chatlog.server.chat.DemoShopModel;
import dev.chatlog.server.chat.ShopChatbot;
import dev.langchain4j.model.chat.ChatModel;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jdbi.v3.core.Jdbi;

/**
 * The server's experiments ({@link ExperimentSettings#fromEnv}), and the one its demo chatbot runs: {@code
 * CHATLOG_CHAT_EXPERIMENT} names it ({@code off}: none) — with an OpenAI key, its variants' model names are sent to the
 * one OpenAI model —;
 * with the offline demo model it is {@value #DEMO}, defined and started at the first start (a stopped one stays
 * stopped): {@code chatlog-demo} against {@code chatlog-demo-mini}, decided on cost per turn with success rate, the demo
 * judge's helpfulness and latency as guardrails.
 */
record ServerExperiments(ExperimentRuntime runtime, String chatExperiment) implements AutoCloseable {
    static final String DEMO = "demo-model";
    static final String DEMO_DEFINITION = """
            {"variants": [{"name": "control", "percent": 50, "model": "chatlog-demo"},
                          {"name": "mini", "percent": 50, "model": "chatlog-demo-mini"}],
             "primary_metric": "cost_per_turn", "guardrails": ["success_rate", "score:helpfulness", "latency_ms"]}""";

    /** {@code chatbot}: whether the demo chatbot runs here (a dashboard-only server defines no demo experiment). */
    static ServerExperiments start(ServerConfig config, Jdbi jdbi, boolean chatbot, Supplier<List<BudgetStatus>> budgets, Runnable onStop) {
        String named = config.env().get("CHATLOG_CHAT_EXPERIMENT");
        String chat = !chatbot || named != null && named.trim().equals("off") ? null
                : named != null && !named.isBlank() ? named.trim() : config.usesOpenAi() ? null : DEMO;
        if (chat != null && !chat.matches("[A-Za-z0-9._:-]{1,64}")) { // checked before anything is written
            throw new IllegalArgumentException("CHATLOG_CHAT_EXPERIMENT is an experiment's name: 1 to 64 of letters, digits and . _ : -, got '" + named + "'");
        }
        ExperimentRuntime runtime = new ExperimentRuntime(jdbi, ExperimentSettings.fromEnv(config.env()), budgets, onStop, Clock.systemUTC());
        try {
            if (DEMO.equals(chat) && !config.usesOpenAi() && runtime.store().get(DEMO).isEmpty()) {
                runtime.store().put(ExperimentJson.parse(DEMO, new com.fasterxml.jackson.databind.ObjectMapper().readTree(DEMO_DEFINITION), null, null));
                runtime.store().start(DEMO);
                runtime.router().refresh();
            }
        } catch (dev.chatlog.experiments.Experiments.Conflict c) { // another instance defined it first, or a name in another case
            org.slf4j.LoggerFactory.getLogger(ServerExperiments.class).warn("chatlog: the demo experiment is not set up: {}", c.getMessage());
        } catch (com.fasterxml.jackson.core.JsonProcessingException | RuntimeException e) {
            runtime.close();
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
        }
        return new ServerExperiments(runtime, chat);
    }

    /** The chatbot's model: routed by arm when it runs an experiment ({@code variants}: models of their own, by variant name). */
    ChatModel route(ChatModel control, Map<String, ChatModel> variants) {
        if (chatExperiment == null) return control;
        ArmChatModel.Builder b = ArmChatModel.builder(chatExperiment).router(runtime.router()).control(control);
        variants.forEach(b::variant);
        return b.build();
    }

    /** What the chatbot puts each turn in, or null. */
    ShopChatbot.Arms arms() {
        return chatExperiment == null ? null : new ShopChatbot.Arms(runtime.router(), chatExperiment);
    }

    /** The demo's variants: the mini model, observed by the same listener. */
    static Map<String, ChatModel> demoVariants(List<dev.langchain4j.model.chat.listener.ChatModelListener> listeners) {
        return Map.of("mini", new DemoShopModel(DemoShopModel.MINI, listeners));
    }

    @Override
    public void close() {
        runtime.close();
    }
}
