package dev.chatlog.springtest;

import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.service.spring.AiService;
import java.util.Map;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.stereotype.Component;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * A Spring Boot application as users of LangChain4j's starters write it: an {@code @AiService} interface, a
 * {@code @Tool} component, a controller. Not nested in a test class: Spring Boot's test scan leaves those out.
 */
@SpringBootApplication
public class ShopApplication {
    @AiService
    public interface ShopAssistant {
        String answer(String question);
    }

    @Component
    public static class OrderTools {
        @Tool("Shipping status of an order")
        public String shippingStatus(@P("order id") int orderId) {
            return "order " + orderId + " shipped";
        }
    }

    @RestController
    public static class Chat {
        private final ShopAssistant assistant;

        Chat(ShopAssistant assistant) {
            this.assistant = assistant;
        }

        @PostMapping("/chat/ask")
        public Map<String, Object> ask(@RequestBody Map<String, String> body) {
            return Map.of("answer", assistant.answer(body.get("question")));
        }
    }
}
