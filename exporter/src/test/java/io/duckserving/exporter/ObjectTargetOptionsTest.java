package io.duckserving.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the CLI and the library API refuse about s3:// targets and their options before anything
 * is written or any store is asked: exit code 2, one line naming the option.
 */
class ObjectTargetOptionsTest {

    @TempDir
    Path dir;

    @Test
    void badObjectTargetsAndMisplacedS3OptionsAreRefusedNamingTheOption() throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Lakehouse.create(lake, 10);
        String local = dir.resolve("analytics.duckdb").toString();
        String[][] refused = {
            {"--target", "s3://", "no bucket"},
            {"--target", "s3:///analytics.duckdb", "no bucket"},
            {"--target", "s3://lake", "no key"},
            {"--target", "s3://lake/serving/", "ends in '/'"},
            {"--target", "gs://lake/analytics.duckdb", "only s3:// object targets"},
            {"--target", "s3://Lake_1/analytics.duckdb", "not a valid bucket name"},
            {"--target", local, "--target", dir.resolve("b.duckdb").toString(), "two local files"},
            {"--target", "s3://lake/a.duckdb", "--target", "s3://lake/a.duckdb", "given twice"},
            {"--target", local, "--s3-endpoint", "http://127.0.0.1:9", "--s3-endpoint only applies to s3:// targets"},
            {"--target", local, "--s3-region", "eu-central-1", "--s3-path-style",
                "--s3-region --s3-path-style only apply to s3:// targets"},
            {"--target", local, "--s3-part-size", "8MiB", "--s3-part-size only applies"},
            {"--target", local, "--work-dir", dir.toString(), "--work-dir only applies"},
            {"--target", local, "--target", "s3://lake/a.duckdb", "--work-dir", dir.toString(),
                "--work-dir only applies without a local --target"},
            {"--target", "s3://lake/a.duckdb", "--s3-part-size", "1MiB", "--s3-part-size (s3PartSize) must be between 5MiB"},
            {"--target", "s3://lake/a.duckdb", "--s3-endpoint", "ftp://x", "--s3-endpoint (endpoint) 'ftp://x' is not"},
            {"--target", "s3://lake/serving.duckdb", "catalog 'serving'"},
            {"--target", "s3://lake/a/../analytics.duckdb", "'..' path segment"},
            {"--target", "s3://lake/./analytics.duckdb", "'..' path segment"},
            {"--target", "s3://lake//analytics.duckdb", "'..' path segment"},
            {"--target", "s3://lake/a.duckdb?versionId=1", "'?', '#'"},
            {"--target", "s3://lake/a\\b.duckdb", "backslash"},
        };
        for (String[] c : refused) {
            List<String> args = new ArrayList<>(List.of("--source", lake.toString()));
            args.addAll(List.of(c).subList(0, c.length - 1));
            CliRun r = CliRun.of(args.toArray(String[]::new));
            assertEquals(2, r.exitCode(), String.join(" ", args) + ": " + r.stderr());
            assertEquals(1, r.stderr().strip().lines().count(), r.stderr());
            assertTrue(r.stderr().contains(c[c.length - 1]), String.join(" ", args) + ": " + r.stderr());
        }
        assertEquals(List.of("lakehouse.duckdb"), SnapshotAssertions.entries(dir), "nothing written");

        CliRun history = CliRun.of("history", "--target", local, "--s3-region", "eu-central-1");
        assertEquals(2, history.exitCode(), history.stderr());
        assertTrue(history.stderr().contains("--s3-region only applies to s3:// targets"), history.stderr());

        IllegalArgumentException api = assertThrows(IllegalArgumentException.class, () -> ExportRequest.builder()
                .source(lake).target(Path.of(local)).s3(S3Settings.defaults().pathStyle(true)).build());
        assertTrue(api.getMessage().startsWith("--s3-path-style only applies to s3:// targets"), api.getMessage());
        ExportRequest objectsOnly = ExportRequest.builder().source(lake)
                .objectTargets(List.of(URI.create("s3://lake/x/analytics.duckdb"))).build();
        assertEquals(null, objectsOnly.target());
        assertEquals(16L * 1024 * 1024, objectsOnly.s3PartSize());
        assertEquals(Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().normalize(), objectsOnly.workDir());
    }

    /**
     * The command line takes a key literally (as the driver takes its URL), the library API takes a
     * URI (percent-decoded): the same key either way, and {@link ObjectTarget#uri()} given back to
     * the API names the same key, where it used to be decoded never and encoded once more per pass.
     */
    @Test
    void aKeyWithSpacesPercentPlusAndUnicodeIsTheSameKeyThroughTheCommandLineAndTheLibraryApi() throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Lakehouse.create(lake, 10);
        for (String key : List.of("a b/x.duckdb", "100%/x%20y.duckdb", "c+d/ünï €.duckdb", "p:q/@r.duckdb")) {
            ObjectTarget fromCli = ObjectTarget.parse("s3://lake/" + key);
            assertEquals(key, fromCli.key());
            ExportRequest request = ExportRequest.builder().source(lake).objectTargets(List.of(fromCli.uri())).build();
            assertEquals(key, request.objects().get(0).key(), fromCli.uri().toString());
            assertEquals(key, ObjectTarget.of(Publications.of(fromCli.uri(), S3Settings.defaults()).objectTarget()).key());
            assertEquals(key, ObjectTarget.of(ObjectTarget.of(fromCli.uri()).uri()).key());
        }
        assertEquals("a b/x.duckdb", ObjectTarget.of(URI.create("s3://lake/a%20b/x.duckdb")).key());

        String segment = "k".repeat(ObjectTarget.MAX_SEGMENT_BYTES) + "/";
        String longest = segment.repeat(5) + "k".repeat(ObjectTarget.MAX_KEY_BYTES - 5 * segment.length() - 7) + ".duckdb";
        assertEquals(980, ObjectTarget.parse("s3://lake/" + longest).key().length(), "the longest key S3 takes");
        IllegalArgumentException longName = assertThrows(IllegalArgumentException.class,
                () -> ObjectTarget.parse("s3://lake/p/" + "ü".repeat(96) + ".duckdb"));
        assertTrue(longName.getMessage().contains("has 199 bytes in UTF-8") && longName.getMessage().contains(
                "keep segments to 190 bytes"), longName.getMessage());
        IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
                () -> ObjectTarget.parse("s3://lake/" + ("é".repeat(90) + "/").repeat(5) + "é".repeat(50) + ".duckdb"));
        assertTrue(tooLong.getMessage().contains("the key has 1012 bytes in UTF-8") && tooLong.getMessage().length() < 400,
                tooLong.getMessage());
    }

    /** A password in --s3-endpoint is never printed: refused, with the URL shown without it. */
    @Test
    void anEndpointWithCredentialsIsRefusedWithoutPrintingThem() throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Lakehouse.create(lake, 10);
        String[][] refused = {
            {"http://AKIAUSER:topsecret@127.0.0.1:9", "'http://***@127.0.0.1:9' carries credentials"},
            {"ftp://AKIAUSER:topsecret@127.0.0.1:9", "'ftp://***@127.0.0.1:9' is not an http(s) URL"},
            {"http://AKIAUSER:topsecret@127.0.0.1:9/a b", "'http://***@127.0.0.1:9/a b' is not a URL"},
        };
        for (String[] c : refused) {
            for (String[] args : List.of(
                    new String[] {"--source", lake.toString(), "--target", "s3://lake/a.duckdb", "--s3-endpoint", c[0]},
                    new String[] {"history", "--target", "s3://lake/a.duckdb", "--s3-endpoint", c[0], "--json"},
                    new String[] {"prune", "--target", "s3://lake/a.duckdb", "--s3-endpoint", c[0]})) {
                PrintStream saved = System.out;
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                CliRun r;
                try {
                    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
                    r = CliRun.of(args);
                } finally {
                    System.setOut(saved);
                }
                String printed = r.stderr() + out.toString(StandardCharsets.UTF_8);
                assertEquals(2, r.exitCode(), String.join(" ", args) + ": " + printed);
                assertTrue(r.stderr().contains(c[1]), r.stderr());
                assertFalse(printed.contains("topsecret") || printed.contains("AKIAUSER"), printed);
            }
        }
        IllegalArgumentException api = assertThrows(IllegalArgumentException.class,
                () -> S3Settings.defaults().endpoint(URI.create("https://u:topsecret@minio:9000")));
        assertFalse(api.getMessage().contains("topsecret"), api.getMessage());
    }
}
