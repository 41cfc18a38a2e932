package dev.chatlog.docsamples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every Java block of README.md and docs/*.md is a region of {@link LibrarySamples} or {@link SpringSamples}, verbatim
 * (less the region's indentation): the samples compile with the tests, so a sample that stops compiling fails the build,
 * and a doc block edited without its sample fails here.
 */
class DocSamplesTest {
    private static final Path ROOT = Path.of("..");
    private static final Path SAMPLES = Path.of("src", "test", "java", "dev", "chatlog", "docsamples");
    private static final Pattern BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern REGION = Pattern.compile("// tag::([\\w-]+)\\[]\\n(.*?)\\n[ \\t]*// end::\\1\\[]", Pattern.DOTALL);

    @Test
    void should_find_every_java_block_of_the_docs_in_the_compiled_samples() throws IOException {
        Map<String, String> regions = new LinkedHashMap<>();
        for (String file : List.of("LibrarySamples.java", "SpringSamples.java")) {
            Matcher m = REGION.matcher(Files.readString(SAMPLES.resolve(file)));
            while (m.find()) regions.put(file + "#" + m.group(1), dedent(m.group(2)));
        }
        assertEquals(10, regions.size(), "the tagged regions: " + regions.keySet());
        List<Path> docs = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> s = Files.list(ROOT.resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
        }
        int blocks = 0;
        List<String> used = new ArrayList<>();
        for (Path doc : docs) {
            Matcher m = BLOCK.matcher(Files.readString(doc));
            while (m.find()) {
                blocks++;
                String block = m.group(1).stripTrailing();
                String region = regions.entrySet().stream().filter(e -> e.getValue().equals(block)).map(Map.Entry::getKey).findFirst()
                        .orElse(null);
                assertTrue(region != null, doc + " has a Java block that is no compiled sample:\n" + block);
                used.add(region);
            }
        }
        assertTrue(blocks >= 5, "the docs' Java blocks: " + blocks);
        assertTrue(used.containsAll(regions.keySet()), "every sample is shown somewhere: " + regions.keySet() + " used " + used);
    }

    /** The region less the indentation all its non-blank lines share. */
    private static String dedent(String text) {
        List<String> lines = text.lines().toList();
        int indent = lines.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        StringBuilder out = new StringBuilder();
        for (String l : lines) out.append(l.isBlank() ? "" : l.substring(indent)).append('\n');
        return out.toString().stripTrailing();
    }
}
