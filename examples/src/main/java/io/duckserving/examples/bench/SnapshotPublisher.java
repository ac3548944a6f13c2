package io.duckserving.examples.bench;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;

/** How the swap-latency benchmark puts a ready file over the served path. */
sealed interface SnapshotPublisher {

    /**
     * Publishes {@code ready} (a finished, sealed snapshot file in the same file system) over
     * the target; returns {@link System#nanoTime()} taken right after the rename returned.
     */
    long publish(Path ready) throws IOException;

    /** The least time one publish takes, so the least time between two publishes. */
    Duration duration();

    /** For the report: what a publish does. */
    String describe();

    /** A plain {@code rename(2)} over the path, as any tool that writes a file and renames it would do. */
    record PlainRename(Path target) implements SnapshotPublisher {

        @Override
        public long publish(Path ready) throws IOException {
            Files.move(ready, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return System.nanoTime();
        }

        @Override
        public Duration duration() {
            return Duration.ZERO;
        }

        @Override
        public String describe() {
            return "plain rename";
        }
    }

    /**
     * The exporter's publishing protocol with a handoff, from the moment its snapshot file is
     * written, sealed and verified, replayed on a ready file: the file takes the exporter's
     * temporary name {@code .<target>.tmp-<publishId>}, a hard link
     * {@code .<target>.tmp-<publishId>.handoff} announces it to readers, the handoff time passes,
     * a WAL beside the target is removed, the file is renamed over the target, the directory is
     * fsynced, and the link is removed. Emulated rather than calling {@code Exporter.export},
     * because exporting a few million rows takes seconds and could not keep a 500 ms cadence.
     * Check it against {@code Exporter}/{@code AtomicPublisher} whenever their handoff changes.
     */
    record ExporterHandoff(Path target, Duration handoff) implements SnapshotPublisher {

        /** As {@code Exporter.newPublishId()} formats it (its {@code PUBLISH_ID_PATTERN}, package-private there). */
        private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
                .withZone(ZoneOffset.UTC);
        private static final SecureRandom RANDOM = new SecureRandom();

        @Override
        public long publish(Path ready) throws IOException {
            String publishId = ID_TIME.format(Instant.now()) + "-"
                    + String.format(Locale.ROOT, "%06x", RANDOM.nextInt(1 << 24));
            Path directory = target.getParent();
            String tempName = "." + target.getFileName() + ".tmp-" + publishId;
            Path temp = directory.resolve(tempName);
            Path link = directory.resolve(tempName + ".handoff");
            Files.move(ready, temp, StandardCopyOption.ATOMIC_MOVE);
            long linkedAt = System.nanoTime();
            Files.createLink(link, temp);
            sleepUntil(linkedAt + handoff.toNanos());
            Files.deleteIfExists(target.resolveSibling(target.getFileName() + ".wal"));
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            long renamedAt = System.nanoTime();
            try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
                dir.force(true);
            }
            Files.delete(link);
            return renamedAt;
        }

        @Override
        public Duration duration() {
            return handoff;
        }

        @Override
        public String describe() {
            return "exporter's protocol with a " + handoff.toMillis() + " ms handoff (emulated)";
        }
    }

    /** Sleeps until {@link System#nanoTime()} reaches {@code deadline} (parkNanos may return early). */
    static void sleepUntil(long deadline) {
        for (long left = deadline - System.nanoTime(); left > 0; left = deadline - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }
}
