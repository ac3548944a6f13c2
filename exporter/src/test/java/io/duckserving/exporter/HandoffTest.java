package io.duckserving.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The handoff: after the seal and the row-count check, the snapshot is visible to drivers as
 * {@code .<target>.tmp-<publishId>.handoff}, a hard link to the very inode the rename then
 * publishes, for the handoff's duration; then it is renamed over the target and the link goes.
 */
class HandoffTest extends LocalTargetTestCase {

    @Override
    int lakehouseDays() {
        return 1_000;
    }

    /** What a watching driver found under the handoff name while the exporter was waiting. */
    private record Window(Path link, Object linkKey, Object tempKey, long linkCount, String mode,
            Object targetKeyThen, String publishIdThroughLink, long startNanos) {
    }

    @Test
    void duringTheHandoffTheLinkIsTheInodeTheRenamePublishesAndItGoesAfterThePublish() throws Exception {
        Lakehouse.export(lake, target);
        Object oldKey = fileKey(target);
        Duration handoff = Duration.ofMillis(300);
        AtomicReference<Window> window = new AtomicReference<>();
        List<String> lines = new ArrayList<>();

        ExportReport report = new Exporter().export(ExportRequest.builder().source(lake).target(target)
                .handoff(handoff).progress(line -> {
                    lines.add(line);
                    if (line.startsWith("handing off ")) {
                        // Called on the exporter's thread between the link and the rename: the window.
                        window.set(lookAtTheHandoff());
                    }
                }).build());
        long afterNanos = System.nanoTime();

        Window w = window.get();
        assertNotNull(w, "no 'handing off' progress line: " + lines);
        assertEquals(".analytics.duckdb.tmp-" + report.publishId() + ".handoff", w.link().getFileName().toString());
        assertTrue(lines.contains("handing off " + w.link() + " to readers for 300ms"), lines.toString());
        assertEquals(oldKey, w.targetKeyThen(), "the target still was the old snapshot during the handoff");
        assertNotEquals(oldKey, w.linkKey());
        assertEquals(w.tempKey(), w.linkKey(), "the link is a hard link of the temporary file");
        assertEquals(2, w.linkCount(), "temporary name and handoff name, one inode");
        assertEquals("r--r--r--", w.mode());
        assertEquals(report.publishId(), w.publishIdThroughLink(), "the link opens as the verified new snapshot");

        assertEquals(w.linkKey(), fileKey(target), "the rename published the inode readers were handed");
        assertFalse(Files.exists(w.link(), LinkOption.NOFOLLOW_LINKS), "the link is gone");
        assertEquals(2, Files.getAttribute(target, "unix:nlink"), "the target and its generation in the history");
        assertEquals(List.of(".analytics.duckdb.history", "analytics.duckdb", "analytics.duckdb.lock"),
                SnapshotAssertions.entries(pub));
        assertTrue(afterNanos - w.startNanos() >= handoff.toNanos(),
                "the rename came at least the handoff after the link: " + (afterNanos - w.startNanos()) + " ns");
        assertEquals(handoff, report.handoff());
        assertNull(report.handoffSkipped());
        ObjectNode json = ExportCommand.reportJson(report);
        assertEquals(300, json.get("handoff_ms").asLong());
        assertFalse(json.has("handoff_skipped"), json.toString());
    }

    private Window lookAtTheHandoff() {
        try {
            List<Path> links;
            try (Stream<Path> s = Files.list(pub)) {
                links = s.filter(p -> p.getFileName().toString().endsWith(".handoff")).toList();
            }
            assertEquals(1, links.size(), "one handoff link in " + pub + ": " + links);
            Path link = links.get(0);
            String linkName = link.getFileName().toString();
            Path temp = link.resolveSibling(linkName.substring(0, linkName.length() - ".handoff".length()));
            String publishId;
            try (Connection c = Lakehouse.open(link, true)) {
                publishId = Lakehouse.rows(c, "SELECT publish_id FROM serving_meta.publish").get(0).get(0);
            }
            return new Window(link, fileKey(link), fileKey(temp), (Integer) Files.getAttribute(link, "unix:nlink"),
                    PosixFilePermissions.toString(Files.getPosixFilePermissions(link)), fileKey(target), publishId,
                    System.nanoTime());
        } catch (Exception e) {
            throw new AssertionError("cannot look at the handoff link", e);
        }
    }

    @Test
    void zeroHandoffMakesNoLinkAndPublishesAtOnce() throws Exception {
        List<String> lines = new ArrayList<>();
        ExportReport report = new Exporter().export(ExportRequest.builder().source(lake).target(target)
                .handoff(Duration.ZERO).progress(line -> {
                    lines.add(line);
                    assertNoHandoffLink();
                }).build());

        assertTrue(lines.stream().noneMatch(l -> l.contains("handoff")), lines.toString());
        assertEquals(Duration.ZERO, report.handoff());
        assertNull(report.handoffSkipped());
        assertEquals(0, ExportCommand.reportJson(report).get("handoff_ms").asLong());
        assertEquals(List.of(".analytics.duckdb.history", "analytics.duckdb", "analytics.duckdb.lock"),
                SnapshotAssertions.entries(pub));
    }

    private void assertNoHandoffLink() {
        try {
            assertTrue(SnapshotAssertions.entries(pub).stream().noneMatch(n -> n.endsWith(".handoff")),
                    SnapshotAssertions.entries(pub).toString());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void theDefaultHandoffIsOneSecond() {
        assertEquals(Duration.ofSeconds(1), ExportRequest.DEFAULT_HANDOFF);
        assertEquals(ExportRequest.DEFAULT_HANDOFF,
                ExportRequest.builder().source(lake).target(target).build().handoff());
    }

    @Test
    void anInterruptedHandoffFailsAndLeavesTheOldSnapshotAndNoLink() throws Exception {
        ExportReport old = Lakehouse.export(lake, target);
        Object oldKey = fileKey(target);
        CountDownLatch handingOff = new CountDownLatch(1);
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        Thread exporter = new Thread(() -> {
            try {
                new Exporter().export(ExportRequest.builder().source(lake).target(target)
                        .handoff(ExportRequest.MAX_HANDOFF).progress(line -> {
                            if (line.startsWith("handing off ")) {
                                handingOff.countDown();
                            }
                        }).build());
            } catch (Throwable t) {
                outcome.set(t);
            }
        }, "exporter");
        exporter.start();
        assertTrue(handingOff.await(60, TimeUnit.SECONDS), "the export reached the handoff");
        exporter.interrupt();
        exporter.join(TimeUnit.SECONDS.toMillis(60));
        assertFalse(exporter.isAlive(), "the interrupt ended the 10 minute handoff");

        ExportException e = (ExportException) outcome.get();
        assertEquals(ExportException.Reason.FAILED, e.reason());
        assertTrue(e.getMessage().contains("interrupted during the handoff") && e.getMessage().contains(".handoff")
                && e.getMessage().contains(target + " is untouched"), e.getMessage());
        assertEquals(oldKey, fileKey(target));
        try (Connection c = Lakehouse.open(target, true)) {
            assertEquals(List.of(List.of(old.publishId())),
                    Lakehouse.rows(c, "SELECT publish_id FROM serving_meta.publish"));
        }
        assertEquals(List.of(".analytics.duckdb.history", "analytics.duckdb", "analytics.duckdb.lock"),
                SnapshotAssertions.entries(pub));
    }

    private static Object fileKey(Path path) throws IOException {
        return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
    }
}
