package io.duckserving.exporter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * An export with {@code s3://} targets. The snapshot is written, sealed and verified by the local
 * pipeline of {@link Exporter}: into the local target when there is one (its readers keep the
 * zero-lag path, and the very file it published is uploaded, under its lock), else into a
 * subdirectory of its own in the work directory, removed afterwards. Then, for each object
 * target in turn: read manifest.json (its ETag), upload the generation object and its JSON, PUT
 * manifest.json conditionally (the one step that makes it current), mark the previous generation
 * retired, prune. One target's failure does not stop the others; it is reported with what was
 * published ({@link ExportException#report()}).
 */
final class ObjectExport {

    /**
     * Multipart uploads under {@code KEY/generations/} older than this are a killed publisher's: a
     * live one completes a part within the HTTP client's socket timeout, and a whole file well
     * within a day.
     */
    static final Duration STALE_UPLOAD = Duration.ofHours(24);

    private ObjectExport() {
    }

    static ExportReport export(ExportRequest request) throws ExportException {
        long startNanos = System.nanoTime();
        checkCatalogNames(request);
        boolean local = request.target() != null;
        try (S3Client s3 = S3Clients.build(request.s3())) {
            Exporter.AfterPublish upload = (report, published) -> uploadAll(request, s3, report, published, local,
                    startNanos);
            if (local) {
                return Exporter.exportLocal(request, upload);
            }
            Path work = createWorkDirectory(request);
            try {
                return Exporter.exportLocal(request.inWorkDirectory(work.resolve(request.objects().get(0).fileName())),
                        upload);
            } finally {
                deleteWorkDirectory(work, request.progress());
            }
        }
    }

    private static ExportReport uploadAll(ExportRequest request, S3Client s3, ExportReport report, Path file,
            boolean local, long startNanos) throws ExportException {
        List<ObjectPublish> outcomes = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        boolean allChanged = true;
        for (ObjectTarget target : request.objects()) {
            try {
                outcomes.add(publish(new ObjectStore(s3, target), file, report, request));
            } catch (ExportException | RuntimeException e) {
                // A RuntimeException too (a bug, an SDK surprise): the other targets are still tried, and a
                // local publish is still reported as one (exit code 6), not as an unexpected failure.
                String message = e instanceof ExportException ? e.getMessage() : "cannot publish to " + target
                        + ": unexpected " + e;
                outcomes.add(ObjectPublish.failed(target, target.fileKey(report.publishId()), message));
                failures.add(message);
                allChanged &= e instanceof ExportException x && x.reason() == ExportException.Reason.OBJECT_TARGET_CHANGED;
                request.progress().accept("not published to " + target + ": " + message);
            }
        }
        ExportReport whole = report.withObjectTargets(local, outcomes, Duration.ofNanos(System.nanoTime() - startNanos));
        if (failures.isEmpty()) {
            request.progress().accept(whole.toString());
            return whole;
        }
        List<String> published = new ArrayList<>();
        if (local) {
            published.add(String.valueOf(report.target()));
        }
        outcomes.stream().filter(ObjectPublish::current).forEach(o -> published.add(o.uri().toString()));
        String prefix = published.isEmpty() ? "" : "published " + report.publishId() + " to "
                + String.join(" and ", published) + " (readers there see it), but ";
        String message = prefix + (failures.size() == 1 ? failures.get(0)
                : String.join("; ", failures.stream().map(f -> "[" + f + "]").toList()));
        ExportException.Reason reason = local ? ExportException.Reason.PUBLISHED_LOCALLY_ONLY
                : allChanged ? ExportException.Reason.OBJECT_TARGET_CHANGED : ExportException.Reason.FAILED;
        throw new ExportException(reason, message, whole);
    }

    /** The publish of one object target; manifest.json changes only in its last required step. */
    static ObjectPublish publish(ObjectStore store, Path file, ExportReport report, ExportRequest request)
            throws ExportException {
        Consumer<String> progress = request.progress();
        ObjectTarget target = store.target();
        String id = report.publishId();
        // Read before the upload: its ETag is the condition of the manifest PUT.
        ObjectStore.Current read = store.readManifest();
        if (read != null && read.manifest() == null) {
            progress.accept(target.uriOf(target.manifestKey()) + " cannot be read (" + read.problem()
                    + "); this publish replaces it");
        }
        store.abortStaleUploads(Instant.now().minus(STALE_UPLOAD), progress);
        progress.accept("uploading " + file + " to " + target.uriOf(target.fileKey(id)));
        ObjectStore.Uploaded up = store.uploadFile(file, id, request.s3PartSize(), progress);
        progress.accept("uploaded " + target.uriOf(up.key()) + ": " + up.bytes() + " bytes in " + up.parts()
                + (up.parts() == 1 ? " request" : " parts") + ", " + up.millis() + " ms, sha256 " + up.sha256());
        ObjectManifest manifest = new ObjectManifest(id, up.key(), up.bytes(), up.sha256(), report.publishedAt(),
                report.source(), report.tables());
        store.putJson(target.jsonKey(id), manifest.toBytes());
        store.putManifest(manifest.toBytes(), read, id);
        Instant madeCurrent = Instant.now();
        progress.accept("made " + id + " current: wrote " + target.uriOf(target.manifestKey()));
        ObjectPublications publications = new ObjectPublications(store, progress, Clock.systemUTC());
        String previous = read == null || read.manifest() == null ? null : read.manifest().publishId();
        if (previous != null && !previous.equals(id)) {
            publications.markQuietly(previous, Instant.now().truncatedTo(ChronoUnit.MICROS), "published");
        }
        List<String> pruned = List.of();
        try {
            pruned = publications.prune(request.keep(), request.keepFor()).pruned();
        } catch (ExportException e) {
            progress.accept("published, but cannot prune the generations of " + target + ": " + e.getMessage()
                    + "; the next publish or prune tries again");
        }
        return new ObjectPublish(target.uri(), up.key(), up.bytes(), up.sha256(), Duration.ofMillis(up.millis()),
                true, madeCurrent, pruned, null);
    }

    /** Readers open a replica under the key's last name: its catalog must not clash either. */
    private static void checkCatalogNames(ExportRequest request) throws ExportException {
        for (ObjectTarget target : request.objects()) {
            String name = target.fileName();
            String catalog = DuckDb.catalogName(Path.of(name));
            for (String schema : request.schemas()) {
                if (DuckDb.sameName(schema, catalog) || DuckDb.sameName(catalog, SnapshotMetadata.SCHEMA)) {
                    throw new ExportException(ExportException.Reason.INVALID_REQUEST, "target " + target
                            + " would be opened as catalog '" + catalog + "', the same name as "
                            + (DuckDb.sameName(schema, catalog) ? "exported schema '" + schema + "'" : "the metadata "
                            + "schema") + ", which makes its tables ambiguous for readers; name it differently, e.g. "
                            + target.uriOf(target.key().substring(0, target.key().length() - name.length())
                            + "analytics.duckdb"));
                }
            }
        }
    }

    private static Path createWorkDirectory(ExportRequest request) throws ExportException {
        Path dir = request.workDir();
        if (!Files.isDirectory(dir)) {
            throw new ExportException(ExportException.Reason.INVALID_REQUEST, "the work directory " + dir
                    + " (--work-dir) " + (Files.exists(dir) ? "is not a directory" : "does not exist")
                    + "; create it or choose another one");
        }
        Path work;
        try {
            work = Files.createTempDirectory(dir, WORK_PREFIX);
        } catch (IOException e) {
            throw new ExportException(ExportException.Reason.INVALID_REQUEST, "cannot create a directory in the work "
                    + "directory " + dir + " (--work-dir): " + e + "; check that it is writable", e);
        }
        // After ours exists: its owner is who "we" are, whatever user.name says.
        removeAbandonedWorkDirectories(dir, work, request.progress());
        request.progress().accept("writing the snapshot in the work directory " + work);
        return work;
    }

    static final String WORK_PREFIX = "duckdb-serving-export-";

    /**
     * The work directories of killed runs: ours by name, with a lock file that no process holds (an
     * OS lock dies with its process; a live run holds its lock from just after it creates the
     * directory until it is removed). A directory without a lock file is left alone: its run may be
     * about to take it.
     */
    private static void removeAbandonedWorkDirectories(Path dir, Path ours, Consumer<String> progress) {
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path work : (Iterable<Path>) entries.filter(p -> p.getFileName().toString().startsWith(WORK_PREFIX)
                    && !p.equals(ours) && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))::iterator) {
                if (privateLike(work, ours) && abandoned(work)) {
                    deleteWorkDirectory(work, progress);
                    progress.accept("removed the work directory of an interrupted run: " + work);
                }
            }
        } catch (IOException | UncheckedIOException e) {
            progress.accept("cannot look for work directories of interrupted runs in " + dir + ": " + e);
        }
    }

    /**
     * Whether a directory could be one of our runs': the same owner as ours and, where the file system
     * has POSIX permissions, writable by its owner alone (as createTempDirectory makes them). The
     * default work directory is the system temp directory, which every user can write: another
     * user's directory of that name is not ours to delete, and in one that others can write, a
     * directory swapped for a symbolic link during the removal would have it delete files elsewhere.
     */
    private static boolean privateLike(Path work, Path ours) throws IOException {
        if (!Files.getOwner(work, LinkOption.NOFOLLOW_LINKS).equals(Files.getOwner(ours, LinkOption.NOFOLLOW_LINKS))) {
            return false;
        }
        if (!Files.getFileStore(work).supportsFileAttributeView(PosixFileAttributeView.class)) {
            return true;
        }
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(work, LinkOption.NOFOLLOW_LINKS);
        return !permissions.contains(PosixFilePermission.GROUP_WRITE)
                && !permissions.contains(PosixFilePermission.OTHERS_WRITE);
    }

    private static boolean abandoned(Path work) throws IOException {
        List<Path> locks;
        try (Stream<Path> files = Files.list(work)) {
            locks = files.filter(p -> p.getFileName().toString().endsWith(".lock")).toList();
        }
        if (locks.isEmpty()) {
            return false;
        }
        for (Path lockFile : locks) {
            String name = lockFile.getFileName().toString();
            // TargetLock, not a channel of our own: closing any channel on a lock file drops the lock this
            // JVM may hold on it (another export in this JVM).
            try (TargetLock lock = TargetLock.acquire(lockFile.resolveSibling(name.substring(0, name.length() - 5)),
                    Duration.ZERO)) {
                // not held: its run is gone
            } catch (ExportException e) {
                return false;
            }
        }
        return true;
    }

    private static void deleteWorkDirectory(Path work, Consumer<String> progress) {
        try (Stream<Path> walk = Files.walk(work)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                try {
                    Files.deleteIfExists(p);
                } catch (NoSuchFileException ignored) {
                    // gone already
                }
            }
        } catch (IOException e) {
            progress.accept("cannot remove the work directory " + work + ": " + e + "; delete it by hand");
        }
    }

}
