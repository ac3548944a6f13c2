package io.duckserving.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The handoff when things go wrong, for real: an exporter killed with SIGKILL while it hands a
 * snapshot off, and a temporary file the kernel refuses to hard-link.
 */
class HandoffIT extends LocalTargetTestCase {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The sealed temporary file itself: {@code .analytics.duckdb.tmp-<publishId>}, no suffix. */
    private static final Pattern TEMP_FILE = Pattern.compile("\\.analytics\\.duckdb\\.tmp-"
            + Exporter.PUBLISH_ID_PATTERN);

    @Override
    int lakehouseDays() {
        return 2_000;
    }

    @Test
    void killedDuringTheHandoffTheOldSnapshotStaysAndTheNextRunRemovesTheLinkAndPublishes() throws Exception {
        ChildJvm.Result first = ChildJvm.runExporter(60, "--source", lake.toString(), "--target", target.toString(),
                "--handoff", "0", "--json", "--quiet");
        assertEquals(0, first.exitCode(), first.stderr());
        String oldId = JSON.readTree(first.stdout()).get("publish_id").asText();
        Object oldKey = fileKey(target);
        String oldSha = sha256(target);

        Process exporter = ChildJvm.exporter(List.of("--source", lake.toString(), "--target", target.toString(),
                "--handoff", "10m"));
        exporter.getOutputStream().close();
        ChildJvm.readAsync(exporter.getInputStream());
        try {
            ChildJvm.awaitLine(exporter.getErrorStream(), "to readers for 10m");
            Path link = onlyEntry(".handoff");
            Path temp = onlyEntry(null);
            assertEquals(fileKey(temp), fileKey(link), "the handoff link is the sealed temporary file");
            assertEquals(link.getFileName().toString(), temp.getFileName() + ".handoff");
        } finally {
            exporter.destroyForcibly(); // SIGKILL, in the middle of the 10 minute handoff
            assertTrue(exporter.waitFor(30, TimeUnit.SECONDS));
        }
        List<String> left = SnapshotAssertions.entries(pub);
        assertTrue(left.stream().anyMatch(n -> n.endsWith(".handoff")), "the kill left the handoff link: " + left);

        assertEquals(oldKey, fileKey(target), "the target is the same file as before the killed run");
        assertEquals(oldSha, sha256(target), "with the same content");
        assertPublished(oldId);

        ChildJvm.Result next = ChildJvm.runExporter(60, "--source", lake.toString(), "--target", target.toString(),
                "--handoff", "0", "--json", "--quiet");
        assertEquals(0, next.exitCode(), next.stderr());
        JsonNode report = JSON.readTree(next.stdout());
        List<String> removed = new ArrayList<>();
        report.get("leftovers_removed").forEach(p -> removed.add(Path.of(p.asText()).getFileName().toString()));
        List<String> leftovers = left.stream().filter(n -> n.startsWith(".analytics.duckdb.tmp-")).sorted().toList();
        assertEquals(leftovers, removed.stream().sorted().toList(), "the next run removed what the kill left");
        assertNotEquals(oldId, report.get("publish_id").asText());
        assertPublished(report.get("publish_id").asText());
        assertEquals(List.of(".analytics.duckdb.history", "analytics.duckdb", "analytics.duckdb.lock"),
                SnapshotAssertions.entries(pub));
    }

    /**
     * No file system without hard links is at hand here (no vfat in this kernel), so the link is
     * refused the way link(2) refuses one on such a file system, with EPERM: the test makes the
     * sealed temporary file immutable ({@code chattr +i}, root only, as in TargetFileSystemIT) from
     * the progress line that follows the verification, and mutable again from the line saying the
     * handoff is skipped, so that the rename can go on. No seam in the exporter: the kernel refuses.
     */
    @Test
    void aTemporaryFileThatCannotBeHardLinkedSkipsTheHandoffAndStillPublishes() throws Exception {
        List<String> lines = new ArrayList<>();
        ExportReport report;
        try (ImmutableWindow window = new ImmutableWindow(lines, "verified row counts", () -> onlyEntry(null),
                "skipping the handoff")) {
            report = new Exporter().export(ExportRequest.builder().source(lake).target(target).progress(window).build());
        }

        String skipped = report.handoffSkipped();
        assertNotNull(skipped, "the handoff was skipped: " + lines);
        assertTrue(skipped.startsWith("cannot hard-link " + pub.resolve(".analytics.duckdb.tmp-" + report.publishId()
                + ".handoff")) && skipped.endsWith(": Operation not permitted"), skipped);
        assertTrue(lines.contains("skipping the handoff to readers (" + skipped + "); publishing without it"),
                lines.toString());
        assertTrue(lines.stream().noneMatch(l -> l.startsWith("handing off")), lines.toString());
        assertEquals(Duration.ZERO, report.handoff());
        ObjectNode json = ExportCommand.reportJson(report);
        assertEquals(0, json.get("handoff_ms").asLong());
        assertEquals(skipped, json.get("handoff_skipped").asText());
        assertPublished(report.publishId());
        assertEquals(List.of(".analytics.duckdb.history", "analytics.duckdb", "analytics.duckdb.lock"),
                SnapshotAssertions.entries(pub));
    }

    /** The one entry of the target's directory ending in {@code suffix}, or the sealed temporary file for null. */
    private Path onlyEntry(String suffix) throws IOException {
        List<Path> found;
        try (Stream<Path> s = Files.list(pub)) {
            found = s.filter(p -> suffix == null ? TEMP_FILE.matcher(p.getFileName().toString()).matches()
                    : p.getFileName().toString().endsWith(suffix)).toList();
        }
        assertEquals(1, found.size(), "one " + (suffix == null ? "temporary file" : suffix) + " in "
                + SnapshotAssertions.entries(pub));
        return found.get(0);
    }

    private void assertPublished(String publishId) throws Exception {
        try (Connection c = Lakehouse.open(target, true)) {
            assertEquals(List.of(List.of(publishId)), Lakehouse.rows(c, "SELECT publish_id FROM serving_meta.publish"));
        }
    }

    private static Object fileKey(Path path) throws IOException {
        return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
