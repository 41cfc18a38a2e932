package dev.chatlog.langchain4j;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * A local OpenAI-compatible server: {@code POST /v1/chat/completions}, plain JSON or server-sent
 * events (closing the stream after {@code [DONE]}). What it answers is decided per request by a
 * {@link Function} the test sets; the default echoes the last user message. Shipped in the
 * listener's test-jar so the server tests can use it too.
 */
public final class OpenAiStub implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One answer: text and/or tool calls, usage (null: none reported), or an HTTP error. */
    public record Reply(int status, String content, List<Map<String, String>> toolCalls, String model,
                        Usage usage, String errorBody, long delayMs, boolean broken) {
        public static Reply text(String content, Usage usage) {
            return new Reply(200, content, List.of(), null, usage, null, 0, false);
        }

        public static Reply toolCall(String name, String argumentsJson, Usage usage) {
            return new Reply(200, null, List.of(Map.of("id", "call_" + name, "name", name, "arguments", argumentsJson)),
                    null, usage, null, 0, false);
        }

        /** Several tool calls in one answer: name, arguments, name, arguments ... */
        public static Reply toolCalls(Usage usage, String... nameThenArguments) {
            List<Map<String, String>> calls = new java.util.ArrayList<>();
            for (int i = 0; i < nameThenArguments.length; i += 2) {
                calls.add(Map.of("id", "call_" + nameThenArguments[i], "name", nameThenArguments[i], "arguments", nameThenArguments[i + 1]));
            }
            return new Reply(200, null, calls, null, usage, null, 0, false);
        }

        public static Reply error(int status, String message) {
            return new Reply(status, null, List.of(), null, null,
                    "{\"error\":{\"message\":\"" + message + "\",\"type\":\"test_error\",\"code\":\"" + status + "\"}}", 0, false);
        }

        public Reply model(String m) {
            return new Reply(status, content, toolCalls, m, usage, errorBody, delayMs, broken);
        }

        public Reply delay(long ms) {
            return new Reply(status, content, toolCalls, model, usage, errorBody, ms, broken);
        }

        /** Streamed, the answer's text arrives and then the stream breaks (a garbled event, no end): the client fails after output. */
        public Reply breaksAfterContent() {
            return new Reply(status, content, toolCalls, model, usage, errorBody, delayMs, true);
        }
    }

    public record Usage(int prompt, int completion, Integer cached, Integer reasoning) {
        public static Usage of(int prompt, int completion) {
            return new Usage(prompt, completion, null, null);
        }
    }

    /** What the stub received. */
    public record Request(JsonNode body) {
        public boolean stream() {
            return body.path("stream").asBoolean(false);
        }

        public String model() {
            return body.path("model").asText();
        }

        public String lastUserMessage() {
            String last = "";
            for (JsonNode m : body.path("messages")) {
                if ("user".equals(m.path("role").asText())) {
                    last = m.path("content").isTextual() ? m.path("content").asText() : m.path("content").toString();
                }
            }
            return last;
        }

        /** The first line of the system message: the chatbot's {@code TASK: name}. */
        public String task() {
            for (JsonNode m : body.path("messages")) {
                if ("system".equals(m.path("role").asText())) {
                    String first = m.path("content").asText().lines().findFirst().orElse("");
                    return first.startsWith("TASK: ") ? first.substring(6).trim() : first;
                }
            }
            return "";
        }

        public int messageCount() {
            return body.path("messages").size();
        }

        /** Whether the conversation already holds tool results (the model is asked to finish). */
        public boolean hasToolResults() {
            for (JsonNode m : body.path("messages")) {
                if ("tool".equals(m.path("role").asText())) return true;
            }
            return false;
        }

        public boolean includesUsageInStream() {
            return body.path("stream_options").path("include_usage").asBoolean(false);
        }
    }

    private final HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile Function<Request, Reply> responder =
            r -> Reply.text("echo: " + r.lastUserMessage(), Usage.of(20, 5));

    public OpenAiStub() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/chat/completions", this::handle);
        server.createContext("/v1/embeddings", this::embeddings);
        server.createContext("/v1/messages", this::anthropic);
        server.createContext("/v1/models/", this::gemini);
        server.createContext("/v1/images/generations", this::images);
        server.createContext("/v1/audio/transcriptions", this::transcription);
        server.createContext("/v1/audio/speech", this::speech);
        server.setExecutor(Executors.newFixedThreadPool(32));
        server.start();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    public void respond(Function<Request, Reply> responder) {
        this.responder = responder;
    }

    public List<Request> requests() {
        return requests;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            Request req = new Request(JSON.readTree(ex.getRequestBody()));
            requests.add(req);
            Reply reply = responder.apply(req);
            if (reply.delayMs() > 0) {
                Thread.sleep(reply.delayMs());
            }
            String model = reply.model() != null ? reply.model() : req.model();
            if (reply.status() != 200) {
                send(ex, reply.status(), "application/json", reply.errorBody());
            } else if (req.stream()) {
                stream(ex, req, reply, model);
            } else {
                send(ex, 200, "application/json", JSON.writeValueAsString(completion(reply, model)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            send(ex, 500, "application/json", "{\"error\":{\"message\":\"stub failure: " + e + "\"}}");
        }
    }

    /**
     * An answer of Anthropic's Messages API, with its usage as Anthropic reports it: input tokens
     * exclude the cache reads and the cache writes.
     */
    public record AnthropicReply(String text, int inputTokens, int outputTokens, int cacheWriteTokens, int cacheReadTokens) {}

    private volatile AnthropicReply anthropicReply = new AnthropicReply("hello from claude", 100, 20, 0, 0);

    public void respondAnthropic(AnthropicReply reply) {
        this.anthropicReply = reply;
    }

    private void anthropic(HttpExchange ex) throws IOException {
        try (ex) {
            JsonNode body = JSON.readTree(ex.getRequestBody());
            requests.add(new Request(body));
            AnthropicReply r = anthropicReply;
            ObjectNode root = JSON.createObjectNode().put("id", "msg_stub").put("type", "message").put("role", "assistant")
                    .put("model", body.path("model").asText()).put("stop_reason", "end_turn");
            root.putArray("content").addObject().put("type", "text").put("text", r.text());
            root.putObject("usage").put("input_tokens", r.inputTokens()).put("output_tokens", r.outputTokens())
                    .put("cache_creation_input_tokens", r.cacheWriteTokens()).put("cache_read_input_tokens", r.cacheReadTokens());
            send(ex, 200, "application/json", JSON.writeValueAsString(root));
        }
    }

    /**
     * An answer of Gemini's generateContent, with its usage as Gemini reports it: the prompt count
     * includes the cached part; the candidates count excludes the thinking tokens.
     */
    public record GeminiReply(String text, int promptTokens, int candidatesTokens, int cachedTokens, int thoughtsTokens) {}

    private volatile GeminiReply geminiReply = new GeminiReply("hello from gemini", 100, 20, 0, 0);

    public void respondGemini(GeminiReply reply) {
        this.geminiReply = reply;
    }

    private void gemini(HttpExchange ex) throws IOException {
        try (ex) {
            JsonNode body = JSON.readTree(ex.getRequestBody());
            requests.add(new Request(body));
            GeminiReply r = geminiReply;
            ObjectNode root = JSON.createObjectNode();
            ObjectNode candidate = root.putArray("candidates").addObject().put("finishReason", "STOP");
            candidate.putObject("content").put("role", "model").putArray("parts").addObject().put("text", r.text());
            root.putObject("usageMetadata").put("promptTokenCount", r.promptTokens()).put("candidatesTokenCount", r.candidatesTokens())
                    .put("totalTokenCount", r.promptTokens() + r.candidatesTokens() + r.thoughtsTokens())
                    .put("cachedContentTokenCount", r.cachedTokens()).put("thoughtsTokenCount", r.thoughtsTokens());
            String path = ex.getRequestURI().getPath();
            root.put("modelVersion", path.substring(path.lastIndexOf('/') + 1).replace(":generateContent", ""));
            send(ex, 200, "application/json", JSON.writeValueAsString(root));
        }
    }

    /** Tokens the stub reports per embedded input. */
    public static final int EMBEDDING_TOKENS_PER_INPUT = 8;

    private void embeddings(HttpExchange ex) throws IOException {
        try (ex) {
            JsonNode body = JSON.readTree(ex.getRequestBody());
            requests.add(new Request(body));
            JsonNode input = body.path("input");
            List<String> texts = new java.util.ArrayList<>();
            if (input.isArray()) input.forEach(n -> texts.add(n.asText())); else texts.add(input.asText());
            ObjectNode root = JSON.createObjectNode().put("object", "list").put("model", body.path("model").asText());
            ArrayNode data = root.putArray("data");
            for (int i = 0; i < texts.size(); i++) {
                ArrayNode vec = data.addObject().put("object", "embedding").put("index", i).putArray("embedding");
                int h = texts.get(i).hashCode();
                for (int d = 0; d < 4; d++) vec.add(((h >> (d * 8)) & 0xFF) / 255.0 + 0.01);
            }
            int tokens = EMBEDDING_TOKENS_PER_INPUT * texts.size();
            root.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
            send(ex, 200, "application/json", JSON.writeValueAsString(root));
        }
    }

    /** What the transcription route answers. */
    public static final String TRANSCRIPT = "which kettles do you have";
    /** The size of the images the image route makes. */
    public static final int IMAGE_WIDTH = 64, IMAGE_HEIGHT = 32;
    private volatile int mediaStatus = 200;

    /** The status the image and audio routes answer with from now on (200: they work). */
    public void mediaStatus(int status) {
        this.mediaStatus = status;
    }

    private boolean mediaFailed(HttpExchange ex) throws IOException {
        if (mediaStatus == 200) return false;
        send(ex, mediaStatus, "application/json", "{\"error\":{\"message\":\"media refused\",\"type\":\"rate_limit_exceeded\"}}");
        return true;
    }

    /** OpenAI's image generation: {@code n} PNG images of {@link #IMAGE_WIDTH} x {@link #IMAGE_HEIGHT}, as base64 and a URL. */
    private void images(HttpExchange ex) throws IOException {
        try (ex) {
            JsonNode body = JSON.readTree(ex.getRequestBody());
            requests.add(new Request(body));
            if (mediaFailed(ex)) return;
            java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(IMAGE_WIDTH, IMAGE_HEIGHT, java.awt.image.BufferedImage.TYPE_INT_RGB);
            java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
            javax.imageio.ImageIO.write(img, "png", png);
            ObjectNode root = JSON.createObjectNode().put("created", 1_700_000_000L);
            ArrayNode data = root.putArray("data");
            for (int i = 0; i < Math.max(1, body.path("n").asInt(1)); i++) {
                data.addObject().put("b64_json", java.util.Base64.getEncoder().encodeToString(png.toByteArray()))
                        .put("revised_prompt", body.path("prompt").asText());
            }
            send(ex, 200, "application/json", JSON.writeValueAsString(root));
        }
    }

    /** OpenAI's transcription (a multipart upload): {@link #TRANSCRIPT}. */
    private void transcription(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] upload = ex.getRequestBody().readAllBytes();
            requests.add(new Request(JSON.createObjectNode().put("bytes", upload.length)));
            if (mediaFailed(ex)) return;
            send(ex, 200, "application/json", JSON.writeValueAsString(JSON.createObjectNode().put("text", TRANSCRIPT)));
        }
    }

    /** OpenAI's speech: a WAV of silence, 8 kHz mono, one second per 20 characters of the input. */
    private void speech(HttpExchange ex) throws IOException {
        try (ex) {
            JsonNode body = JSON.readTree(ex.getRequestBody());
            requests.add(new Request(body));
            if (mediaFailed(ex)) return;
            byte[] wav = wav(Math.max(1, body.path("input").asText().length() / 20.0));
            ex.getResponseHeaders().set("Content-Type", "audio/wav");
            ex.sendResponseHeaders(200, wav.length);
            ex.getResponseBody().write(wav);
        }
    }

    /** A WAV file of {@code seconds} of silence, 8 kHz, 16-bit mono. */
    public static byte[] wav(double seconds) throws IOException {
        javax.sound.sampled.AudioFormat f = new javax.sound.sampled.AudioFormat(8_000, 16, 1, true, false);
        long frames = Math.round(seconds * 8_000);
        byte[] pcm = new byte[(int) frames * 2];
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        javax.sound.sampled.AudioSystem.write(new javax.sound.sampled.AudioInputStream(new java.io.ByteArrayInputStream(pcm), f, frames),
                javax.sound.sampled.AudioFileFormat.Type.WAVE, out);
        return out.toByteArray();
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    private static ObjectNode completion(Reply reply, String model) {
        ObjectNode root = JSON.createObjectNode().put("id", "chatcmpl-stub").put("object", "chat.completion")
                .put("created", 1_700_000_000L).put("model", model);
        ObjectNode choice = root.putArray("choices").addObject().put("index", 0);
        ObjectNode message = choice.putObject("message").put("role", "assistant");
        message.put("content", reply.content());
        if (!reply.toolCalls().isEmpty()) {
            ArrayNode calls = message.putArray("tool_calls");
            for (Map<String, String> c : reply.toolCalls()) {
                calls.addObject().put("id", c.get("id")).put("type", "function").putObject("function")
                        .put("name", c.get("name")).put("arguments", c.get("arguments"));
            }
        }
        choice.put("finish_reason", reply.toolCalls().isEmpty() ? "stop" : "tool_calls");
        if (reply.usage() != null) {
            root.set("usage", usage(reply.usage()));
        }
        return root;
    }

    private static ObjectNode usage(Usage u) {
        ObjectNode n = JSON.createObjectNode().put("prompt_tokens", u.prompt()).put("completion_tokens", u.completion())
                .put("total_tokens", u.prompt() + u.completion());
        if (u.cached() != null) n.putObject("prompt_tokens_details").put("cached_tokens", u.cached());
        if (u.reasoning() != null) n.putObject("completion_tokens_details").put("reasoning_tokens", u.reasoning());
        return n;
    }

    private static void stream(HttpExchange ex, Request req, Reply reply, String model) throws IOException, InterruptedException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        String content = reply.content() == null ? "" : reply.content();
        int step = Math.max(1, content.length() / 3);
        for (int i = 0; i < content.length(); i += step) {
            ObjectNode chunk = chunk(model);
            ((ObjectNode) chunk.withArray("choices").get(0)).putObject("delta")
                    .put("content", content.substring(i, Math.min(content.length(), i + step)));
            event(out, chunk.toString());
            Thread.sleep(2);
        }
        if (reply.broken()) {
            event(out, "{\"id\": \"chatcmpl-stub\", \"choices\": [{\"index\": 0, \"delta\": {\"content\": "); // cut mid-event
            return;
        }
        int toolIndex = 0;
        for (Map<String, String> c : reply.toolCalls()) {
            ObjectNode chunk = chunk(model);
            ObjectNode delta = ((ObjectNode) chunk.withArray("choices").get(0)).putObject("delta");
            delta.putArray("tool_calls").addObject().put("index", toolIndex++).put("id", c.get("id")).put("type", "function")
                    .putObject("function").put("name", c.get("name")).put("arguments", c.get("arguments"));
            event(out, chunk.toString());
        }
        ObjectNode last = chunk(model);
        ((ObjectNode) last.withArray("choices").get(0)).putObject("delta");
        ((ObjectNode) last.withArray("choices").get(0)).put("finish_reason", reply.toolCalls().isEmpty() ? "stop" : "tool_calls");
        event(out, last.toString());
        if (reply.usage() != null && req.includesUsageInStream()) {
            ObjectNode u = JSON.createObjectNode().put("id", "chatcmpl-stub").put("object", "chat.completion.chunk")
                    .put("created", 1_700_000_000L).put("model", model);
            u.putArray("choices");
            u.set("usage", usage(reply.usage()));
            event(out, u.toString());
        }
        event(out, "[DONE]");
    }

    private static ObjectNode chunk(String model) {
        ObjectNode c = JSON.createObjectNode().put("id", "chatcmpl-stub").put("object", "chat.completion.chunk")
                .put("created", 1_700_000_000L).put("model", model);
        c.putArray("choices").addObject().put("index", 0);
        return c;
    }

    private static void event(OutputStream out, String data) throws IOException {
        out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
