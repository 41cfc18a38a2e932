package dev.chatlog.langchain4j;

import dev.langchain4j.data.audio.Audio;
import dev.langchain4j.data.image.Image;
import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioSystem;

/**
 * What can be read from media without decoding it: an image's pixel size from its header (PNG, JPEG, GIF, BMP), an
 * audio's duration from its header (WAV, AIFF, AU: the formats the JDK reads), the format and byte count of both. A
 * medium given only by URL, or in a format the JDK does not read, has no size or duration: then nothing is made up.
 */
final class MediaFacts {
    private MediaFacts() {}

    /** An audio's facts: its metadata ({@code audio_format}, {@code audio_bytes}, {@code audio_seconds}) and duration. */
    record AudioFacts(Map<String, Object> metadata, BigDecimal seconds) {
        String describe() {
            if (metadata.isEmpty()) return null;
            return "audio" + (seconds == null ? "" : " of " + seconds.toPlainString() + " s")
                    + (metadata.get("audio_format") == null ? "" : ", " + metadata.get("audio_format"))
                    + (metadata.get("audio_bytes") == null ? "" : ", " + metadata.get("audio_bytes") + " bytes");
        }
    }

    static String imageSize(Image image) {
        int[] d = imageDimensions(image);
        return d == null ? null : d[0] + "x" + d[1];
    }

    /** The image's width and height from its header; null when it is given by URL or cannot be read. */
    static int[] imageDimensions(Image image) {
        byte[] bytes = image == null ? null : decode(image.base64Data());
        if (bytes == null) return null;
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            var readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) return null;
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                return new int[] {reader.getWidth(0), reader.getHeight(0)};
            } finally {
                reader.dispose();
            }
        } catch (Exception e) {
            return null;
        }
    }

    static AudioFacts audio(Audio audio) {
        if (audio == null) return new AudioFacts(Map.of(), null);
        Map<String, Object> meta = new LinkedHashMap<>();
        if (audio.mimeType() != null) meta.put("audio_format", audio.mimeType());
        byte[] bytes = audio.binaryData() != null ? audio.binaryData() : decode(audio.base64Data());
        BigDecimal seconds = null;
        if (bytes != null) {
            meta.put("audio_bytes", bytes.length);
            seconds = duration(bytes);
            if (seconds != null) meta.put("audio_seconds", seconds);
        } else if (audio.url() != null) {
            meta.put("audio_url", audio.url().toString());
        }
        return new AudioFacts(meta, seconds);
    }

    private static BigDecimal duration(byte[] bytes) {
        try {
            AudioFileFormat f = AudioSystem.getAudioFileFormat(new ByteArrayInputStream(bytes));
            float rate = f.getFormat().getFrameRate();
            long frames = f.getFrameLength();
            if (frames <= 0 || rate <= 0 || Float.isNaN(rate)) return null;
            return BigDecimal.valueOf(frames).divide(BigDecimal.valueOf(rate), 3, RoundingMode.HALF_UP);
        } catch (Exception e) {
            return null;
        }
    }

    /** The bytes of base64 data (null when there is none, or it is not base64). */
    static byte[] decode(String base64) {
        if (base64 == null || base64.isEmpty()) return null;
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
