package dev.chatlog.springtest;

import dev.chatlog.embedded.EmbeddedMariaDb;
import dev.chatlog.langchain4j.OpenAiStub;
import dev.chatlog.sql.TestDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Function;
import org.springframework.test.context.DynamicPropertyRegistry;

/** What the Spring Boot tests share: a running OpenAI stub, and the application's datasource on a fresh schema. */
public final class StarterFixtures {
    private StarterFixtures() {}

    /** An OpenAI-compatible stub answering with {@code answers}. */
    public static OpenAiStub stub(Function<OpenAiStub.Request, OpenAiStub.Reply> answers) {
        try {
            OpenAiStub s = new OpenAiStub();
            s.respond(answers);
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code spring.datasource.*} on the tests' embedded MariaDB, schema {@code schema}. */
    public static void datasource(DynamicPropertyRegistry r, String schema) {
        EmbeddedMariaDb db = TestDatabase.server();
        r.add("spring.datasource.url", () -> db.jdbcUrl(schema));
        r.add("spring.datasource.username", db::user);
        r.add("spring.datasource.password", db::password);
    }
}
