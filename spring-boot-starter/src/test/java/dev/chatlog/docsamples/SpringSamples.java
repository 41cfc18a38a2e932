package dev.chatlog.docsamples;

import dev.chatlog.spring.ChatlogTurnFilter;
import dev.langchain4j.model.chat.ChatModel;
import java.util.Map;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** The Spring Boot code sample of docs/spring-boot.md, compiled with the tests (see {@link DocSamplesTest}). */
final class SpringSamples {
    private SpringSamples() {}

    record Question(String text) {}

    // tag::controller[]
    @RestController
    class Assistant {
        private final ChatModel model; // the application's bean, now observed
        Assistant(ChatModel model) { this.model = model; }

        @PostMapping("/chat/ask")       // chatlog.web.turn-paths=/chat/*: one turn per request
        Map<String, String> ask(@RequestBody Question q) {
            ChatlogTurnFilter.current().ifPresent(t -> t.input(q.text()).intent("support"));
            String answer = model.chat(q.text());
            ChatlogTurnFilter.current().ifPresent(t -> t.output("{}", answer));
            return Map.of("answer", answer);
        }
    }
    // end::controller[]
}
