package dev.chatlog.langchain4j;

import dev.chatlog.core.CallType;
import dev.chatlog.core.ChatLogger;
import dev.chatlog.core.price.BillableUnits;
import dev.langchain4j.data.image.Image;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.audio.AudioTranscriptionModel;
import dev.langchain4j.model.audio.AudioTranscriptionRequest;
import dev.langchain4j.model.audio.AudioTranscriptionResponse;
import dev.langchain4j.model.audio.TextToSpeechModel;
import dev.langchain4j.model.audio.TextToSpeechRequest;
import dev.langchain4j.model.audio.TextToSpeechResponse;
import dev.langchain4j.model.image.ImageModel;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.model.scoring.ScoringModel;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Records the models LangChain4j has no listener for, by wrapping them: an {@link ImageModel} ({@code image} rows:
 * images made, their size), an {@link AudioTranscriptionModel} ({@code transcription}: the audio's duration and
 * format), a {@link TextToSpeechModel} ({@code speech}: characters read, audio made) and a {@link ScoringModel}
 * ({@code rerank}: documents scored, the best score; a search per 100 documents). Each row records its {@link BillableUnits} and is priced by
 * them at the model's per-unit price ({@code CHATLOG_PRICES=dall-e-3=0.04/image;whisper-1=0.006/minute}); the bundled
 * price data has no per-unit prices, so without one the row is unpriced, never $0. With a {@link BudgetGuard}, each
 * call is admitted at what its request will make (an enforced budget refuses what it cannot price) and settled at
 * what it made (a transcription's seconds are read from its header: WAV, AIFF or AU; audio in another format, or by
 * URL, has no known duration, so it stays unpriced and an enforced budget refuses it). These interfaces do not name
 * their model: {@code modelName} is the name the row and the prices use.
 */
public final class ChatLogMediaModels {
    private ChatLogMediaModels() {}

    public static ImageModel observe(ImageModel model, String modelName, ChatLogger logger) {
        return observe(model, modelName, logger, null);
    }

    /** {@code model} recorded, and under {@code budgets} when not null. */
    public static ImageModel observe(ImageModel model, String modelName, ChatLogger logger, BudgetGuard budgets) {
        if (model instanceof ObservedImages) return model;
        return new ObservedImages(model, new MediaCall(logger, CallType.IMAGE, modelName, null, budgets));
    }

    public static AudioTranscriptionModel observe(AudioTranscriptionModel model, String modelName, ChatLogger logger) {
        return observe(model, modelName, logger, null);
    }

    public static AudioTranscriptionModel observe(AudioTranscriptionModel model, String modelName, ChatLogger logger, BudgetGuard budgets) {
        if (model instanceof ObservedTranscription) return model;
        return new ObservedTranscription(model, new MediaCall(logger, CallType.TRANSCRIPTION, modelName, provider(model.provider()), budgets));
    }

    public static TextToSpeechModel observe(TextToSpeechModel model, String modelName, ChatLogger logger) {
        return observe(model, modelName, logger, null);
    }

    public static TextToSpeechModel observe(TextToSpeechModel model, String modelName, ChatLogger logger, BudgetGuard budgets) {
        if (model instanceof ObservedSpeech) return model;
        return new ObservedSpeech(model, new MediaCall(logger, CallType.SPEECH, modelName, provider(model.provider()), budgets));
    }

    public static ScoringModel observe(ScoringModel model, String modelName, ChatLogger logger) {
        return observe(model, modelName, logger, null);
    }

    public static ScoringModel observe(ScoringModel model, String modelName, ChatLogger logger, BudgetGuard budgets) {
        if (model instanceof ObservedScoring) return model;
        return new ObservedScoring(model, new MediaCall(logger, CallType.RERANK, modelName, null, budgets));
    }

    private static String provider(ModelProvider p) {
        return p == null ? null : CallRenderer.providerName(p);
    }

    private static Map<String, BigDecimal> units(String unit, long quantity) {
        return Map.of(unit, BigDecimal.valueOf(quantity));
    }

    private static List<Image> images(List<Image> images) {
        return images == null ? List.of() : images.stream().filter(java.util.Objects::nonNull).toList();
    }

    private record ObservedImages(ImageModel delegate, MediaCall call) implements ImageModel {
        @Override
        public Response<Image> generate(String prompt) {
            return call.run(prompt, one("generate"), () -> delegate.generate(prompt));
        }

        @Override
        public Response<List<Image>> generate(String prompt, int n) {
            return call.run(prompt, new MediaCall.Parts<>(() -> units(BillableUnits.IMAGE, n),
                    r -> units(BillableUnits.IMAGE, r == null ? 0 : images(r.content()).size()),
                    () -> asked("generate", n), r -> made("generate", r == null ? List.of() : r.content())), () -> delegate.generate(prompt, n));
        }

        @Override
        public Response<Image> edit(Image image, String prompt) {
            return call.run(prompt, one("edit"), () -> delegate.edit(image, prompt));
        }

        @Override
        public Response<Image> edit(Image image, Image mask, String prompt) {
            return call.run(prompt, one("edit"), () -> delegate.edit(image, mask, prompt));
        }

        private static MediaCall.Parts<Response<Image>> one(String operation) {
            return new MediaCall.Parts<>(() -> units(BillableUnits.IMAGE, 1),
                    r -> units(BillableUnits.IMAGE, r == null || r.content() == null ? 0 : 1),
                    () -> asked(operation, 1), r -> made(operation, r == null || r.content() == null ? List.of() : List.of(r.content())));
        }

        private static MediaCall.Outcome asked(String operation, int n) {
            return new MediaCall.Outcome(null, Map.of("operation", operation, "images_requested", n), units(BillableUnits.IMAGE, n));
        }

        private static MediaCall.Outcome made(String operation, List<Image> images) {
            List<Image> real = images(images);
            Map<String, Object> meta = new LinkedHashMap<>();
            meta.put("operation", operation);
            meta.put("images", real.size());
            List<String> sizes = real.stream().map(MediaFacts::imageSize).filter(java.util.Objects::nonNull).distinct().toList();
            if (!sizes.isEmpty()) meta.put("size", String.join(", ", sizes));
            real.stream().map(Image::revisedPrompt).filter(java.util.Objects::nonNull).findFirst().ifPresent(p -> meta.put("revised_prompt", p));
            return new MediaCall.Outcome(real.size() + " image(s)" + (sizes.isEmpty() ? "" : " of " + String.join(", ", sizes)), meta,
                    units(BillableUnits.IMAGE, real.size()));
        }
    }

    private record ObservedTranscription(AudioTranscriptionModel delegate, MediaCall call) implements AudioTranscriptionModel {
        @Override
        public AudioTranscriptionResponse transcribe(AudioTranscriptionRequest request) {
            return call.run(request.prompt(), new MediaCall.Parts<>(() -> audio(request).units(), r -> audio(request).units(),
                    () -> audio(request), r -> {
                        MediaCall.Outcome a = audio(request);
                        return new MediaCall.Outcome(r == null ? null : r.text(), a.metadata(), a.units());
                    }), () -> delegate.transcribe(request));
        }

        @Override
        public ModelProvider provider() {
            return delegate.provider();
        }

        /** The audio's facts: billed by its seconds, known from its header (WAV, AIFF, AU); other formats stay unpriced. */
        private static MediaCall.Outcome audio(AudioTranscriptionRequest request) {
            MediaFacts.AudioFacts a = MediaFacts.audio(request.audio());
            Map<String, Object> meta = new LinkedHashMap<>(a.metadata());
            if (request.language() != null) meta.put("language", request.language());
            return new MediaCall.Outcome(null, meta, a.seconds() == null ? Map.of() : Map.of(BillableUnits.AUDIO_SECOND, a.seconds()));
        }
    }

    private record ObservedSpeech(TextToSpeechModel delegate, MediaCall call) implements TextToSpeechModel {
        @Override
        public TextToSpeechResponse synthesize(TextToSpeechRequest request) {
            return call.run(request.text(), new MediaCall.Parts<>(() -> asked(request).units(), r -> asked(request).units(),
                    () -> asked(request), r -> {
                        MediaCall.Outcome asked = asked(request);
                        Map<String, Object> meta = new LinkedHashMap<>(asked.metadata());
                        MediaFacts.AudioFacts made = MediaFacts.audio(r == null ? null : r.audio());
                        made.metadata().forEach((k, v) -> meta.put("output_" + k, v));
                        return new MediaCall.Outcome(made.describe(), meta, asked.units());
                    }), () -> delegate.synthesize(request));
        }

        @Override
        public ModelProvider provider() {
            return delegate.provider();
        }

        private static MediaCall.Outcome asked(TextToSpeechRequest request) {
            String text = request.text() == null ? "" : request.text();
            int characters = text.codePointCount(0, text.length());
            Map<String, Object> meta = new LinkedHashMap<>();
            meta.put("characters", characters);
            if (request.voice() != null) meta.put("voice", request.voice());
            return new MediaCall.Outcome(null, meta, units(BillableUnits.CHARACTER, characters));
        }
    }

    /** Re-ranking services bill a search per query with up to this many documents (Cohere's definition). */
    static final int DOCUMENTS_PER_SEARCH = 100;

    private record ObservedScoring(ScoringModel delegate, MediaCall call) implements ScoringModel {
        @Override
        public Response<List<Double>> scoreAll(List<TextSegment> segments, String query) {
            int n = segments == null ? 0 : segments.size();
            Map<String, BigDecimal> searches = units(BillableUnits.SEARCH, Math.max(1, (n + DOCUMENTS_PER_SEARCH - 1) / DOCUMENTS_PER_SEARCH));
            return call.run(query, new MediaCall.Parts<>(() -> searches, r -> searches,
                    () -> new MediaCall.Outcome(null, Map.of("documents", n), searches), r -> {
                        Map<String, Object> meta = new LinkedHashMap<>();
                        meta.put("documents", n);
                        List<Double> scores = r == null || r.content() == null ? List.of() : r.content();
                        Double best = scores.stream().filter(java.util.Objects::nonNull).max(Double::compare).orElse(null);
                        if (best != null) meta.put("best_score", best);
                        return new MediaCall.Outcome(n + " document(s) scored" + (best == null ? "" : ", best " + best), meta, searches);
                    }), () -> delegate.scoreAll(segments, query));
        }
    }
}
