package dev.chatlog.langchain4j;

import dev.langchain4j.data.message.AudioContent;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.Content;
import dev.langchain4j.data.message.ImageContent;
import dev.langchain4j.data.message.PdfFileContent;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.data.message.VideoContent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The parts of a chat prompt that are not text (images, audio, video, PDF files): how many of each, their bytes where
 * the request carries them, the images' pixel sizes, and the prompt tokens the images cost by the provider's published
 * rule, for when the provider reports no usage. The rules: OpenAI (and a provider with no rule of its own) 85 tokens
 * at low detail, else 85 + 170 per 512-pixel tile of the image scaled to fit 2048x2048 and then to a shortest side of
 * at most 768 (gpt-4o-mini: 2833 and 5667, its published figures); Anthropic width x height / 750 after scaling to a
 * long edge of at most 1568 and about 1.19 megapixels; Gemini 258 per image up to 384x384, else 258 per 768x768 tile.
 * OpenAI's patch-based models (gpt-4.1-mini and the like) are estimated by the tile rule. An image given by URL has no known size: it is estimated as 1024x1024 and
 * the row says so. Audio, video and PDF parts are counted and sized, not estimated in tokens ({@code
 * unestimated_parts}): their rules need a duration or a page count the request does not carry.
 */
record PromptParts(Map<String, Integer> counts, Map<String, Long> bytes, List<String> imageSizes, int imageTokens,
                   String rule, int imagesOfUnknownSize) {
    private static final int UNKNOWN = 1024;
    private static final double ANTHROPIC_MAX_PIXELS = 1092.0 * 1092.0;

    boolean isEmpty() {
        return counts.isEmpty();
    }

    static PromptParts of(List<ChatMessage> messages, String provider, String model) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        Map<String, Long> bytes = new LinkedHashMap<>();
        List<String> sizes = new ArrayList<>();
        String rule = rule(provider, model);
        int tokens = 0, unknown = 0;
        for (ChatMessage m : messages == null ? List.<ChatMessage>of() : messages) {
            if (!(m instanceof UserMessage u)) continue;
            for (Content c : u.contents()) {
                if (c instanceof TextContent) continue;
                String kind = c.type().name().toLowerCase(Locale.ROOT);
                counts.merge(kind, 1, Integer::sum);
                byte[] data = data(c);
                if (data != null) bytes.merge(kind, (long) data.length, Long::sum);
                if (c instanceof ImageContent image) {
                    int[] d = MediaFacts.imageDimensions(image.image());
                    if (d == null) {
                        unknown++;
                        d = new int[] {UNKNOWN, UNKNOWN};
                    } else {
                        sizes.add(d[0] + "x" + d[1]);
                    }
                    tokens += imageTokens(rule, d[0], d[1], image.detailLevel() == ImageContent.DetailLevel.LOW);
                }
            }
        }
        return new PromptParts(counts, bytes, sizes, tokens, rule, unknown);
    }

    /** What the row records: part counts and bytes, image sizes, and how the image tokens were estimated when they were. */
    Map<String, Object> metadata(boolean estimated) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("input_parts", counts);
        if (!bytes.isEmpty()) m.put("input_part_bytes", bytes);
        if (!imageSizes.isEmpty()) m.put("image_sizes", imageSizes);
        if (estimated && counts.containsKey("image")) {
            m.put("image_tokens_estimated", imageTokens);
            m.put("image_token_rule", rule);
            if (imagesOfUnknownSize > 0) m.put("images_of_unknown_size", imagesOfUnknownSize);
        }
        List<String> unestimated = counts.keySet().stream().filter(k -> !k.equals("image")).toList();
        if (estimated && !unestimated.isEmpty()) m.put("unestimated_parts", unestimated);
        return m;
    }

    static String rule(String provider, String model) {
        String p = provider == null ? "" : provider;
        String name = model == null ? "" : model.toLowerCase(Locale.ROOT);
        if (p.contains("anthropic") || name.contains("claude")) return "anthropic"; // Bedrock's anthropic.claude-... too
        if (p.contains("google") || p.contains("gemini") || name.contains("gemini")) return "gemini";
        if (name.contains("gpt-4o-mini")) return "openai-4o-mini"; // billed as 2833 + 5667 per tile (same price as gpt-4o's)
        return "openai";
    }

    static int imageTokens(String rule, int width, int height, boolean lowDetail) {
        double w = Math.max(1, width), h = Math.max(1, height);
        switch (rule) {
            case "anthropic" -> { // resized to a long edge of 1568 px and about 1.19 megapixels (1092 x 1092, ~1,590 tokens)
                double scale = Math.min(1, Math.min(1568 / Math.max(w, h), Math.sqrt(ANTHROPIC_MAX_PIXELS / (w * h))));
                return (int) Math.ceil(Math.floor(w * scale) * Math.floor(h * scale) / 750.0);
            }
            case "gemini" -> {
                if (w <= 384 && h <= 384) return 258;
                return (int) (Math.ceil(w / 768) * Math.ceil(h / 768) * 258);
            }
            default -> {
                boolean mini = rule.equals("openai-4o-mini");
                int base = mini ? 2833 : 85, perTile = mini ? 5667 : 170;
                if (lowDetail) return base;
                double fit = Math.min(1, 2048 / Math.max(w, h));
                w *= fit;
                h *= fit;
                double shortSide = Math.min(1, 768 / Math.min(w, h));
                w *= shortSide;
                h *= shortSide;
                return base + perTile * (int) (Math.ceil(Math.round(w) / 512.0) * Math.ceil(Math.round(h) / 512.0));
            }
        }
    }

    private static byte[] data(Content c) {
        if (c instanceof ImageContent i) return i.image() == null ? null : MediaFacts.decode(i.image().base64Data());
        if (c instanceof AudioContent a) return a.audio() == null ? null
                : a.audio().binaryData() != null ? a.audio().binaryData() : MediaFacts.decode(a.audio().base64Data());
        if (c instanceof PdfFileContent p) return p.pdfFile() == null ? null : MediaFacts.decode(p.pdfFile().base64Data());
        if (c instanceof VideoContent v) return v.video() == null ? null : MediaFacts.decode(v.video().base64Data());
        return null;
    }
}
