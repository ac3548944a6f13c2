package io.duckserving.exporter;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The generations of one target kept on disk, after Lucene's commit protocol: files are
 * write-once, every publish is a generation, and a deletion policy ({@link #toPrune}) decides
 * which generations readers may still need. A generation is a hard link to the very inode that
 * was published, so keeping one costs no copy (its blocks are shared with the target while it is
 * current). Layout, in {@code .<target>.history/} beside the target (same file system):
 * <pre>
 *   &lt;publishId&gt;.duckdb           a generation (mode 0444: the published inode itself)
 *   &lt;publishId&gt;.duckdb.pending   linked before the rename over the target, not yet known to be current
 *   &lt;publishId&gt;.retired          when the generation last stopped being current (an ISO-8601 instant)
 *   &lt;publishId&gt;.retired.tmp      such a mark being written
 * </pre>
 * A generation is deleted file first, mark second; disk space comes back when no other link or open
 * handle holds its inode. Which generation is current is never written down: it is the one whose file key (device and
 * inode) is the target's, so it stays right after a rollback, a kill or a power cut. A kept
 * generation holds its inode, so no other file can have its key meanwhile.
 *
 * <p>Every change happens under the target's lock, in an order that leaves only states that
 * {@link #reconcile} puts right at the next run (also under the lock): a pending link that is the
 * target is promoted (its publish was killed after the rename), any other pending link is removed
 * (never published); a generation that is not current and has no readable mark gets "now" (later
 * than the truth, so it is kept longer, never shorter); marks without a generation, and marks being
 * written, are removed. A mark is removed (durably) before a rollback makes its generation
 * current again, and written after the rename that makes another one current, so a mark's instant
 * is never earlier than the moment its generation last stopped being current.
 */
final class History {

    static final String DIRECTORY_SUFFIX = ".history";
    private static final String GENERATION = ".duckdb";
    private static final String PENDING = ".duckdb.pending";
    private static final String RETIRED = ".retired";
    private static final String RETIRED_TEMP = ".retired.tmp";
    private static final Pattern PUBLISH_ID = Pattern.compile(Exporter.PUBLISH_ID_PATTERN);

    private final Path target;
    private final Path directory;

    History(Path target) {
        this.target = target;
        this.directory = directoryOf(target);
    }

    /** {@code .<target file name>.history} beside the target. */
    static Path directoryOf(Path target) {
        return target.resolveSibling("." + target.getFileName() + DIRECTORY_SUFFIX);
    }

    static boolean isPublishId(String text) {
        return text != null && PUBLISH_ID.matcher(text).matches();
    }

    Path directory() {
        return directory;
    }

    Path file(String publishId) {
        return directory.resolve(publishId + GENERATION);
    }

    Path pending(String publishId) {
        return directory.resolve(publishId + PENDING);
    }

    private Path retiredMark(String publishId) {
        return directory.resolve(publishId + RETIRED);
    }

    private Path retiredTemp(String publishId) {
        return directory.resolve(publishId + RETIRED_TEMP);
    }

    /**
     * One kept generation: its file, file key, whether it is the target now, and since when it is
     * not (null for the current one, and for one whose mark is missing until the next run under
     * the lock records it).
     */
    record Entry(String publishId, Path file, Object fileKey, boolean current, Instant notCurrentSince) {
    }

    /** The generations by publish id, as read at one moment. */
    record State(List<Entry> generations) {

        Entry current() {
            return generations.stream().filter(Entry::current).findFirst().orElse(null);
        }

        String currentId() {
            Entry current = current();
            return current == null ? null : current.publishId();
        }

        Entry find(String publishId) {
            return generations.stream().filter(e -> e.publishId().equals(publishId)).findFirst().orElse(null);
        }
    }

    /**
     * What is on disk now, changing nothing (safe without the lock: a publish between its rename
     * and the promotion of its pending link shows that link as the current generation).
     */
    State read() throws IOException {
        if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
            return new State(List.of());
        }
        Object targetKey = fileKey(target);
        Map<String, Path> files = new TreeMap<>();
        Map<String, Path> pending = new TreeMap<>();
        forEachEntry(name -> {
            String id = idOf(name, GENERATION);
            if (id != null) {
                files.put(id, directory.resolve(name));
            } else if ((id = idOf(name, PENDING)) != null) {
                pending.put(id, directory.resolve(name));
            }
        });
        List<Entry> generations = new ArrayList<>();
        for (Map.Entry<String, Path> f : files.entrySet()) {
            Object key = fileKey(f.getValue());
            if (key == null) {
                continue; // not a regular file, or pruned meanwhile
            }
            boolean current = key.equals(targetKey);
            generations.add(new Entry(f.getKey(), f.getValue(), key, current,
                    current ? null : readMark(f.getKey())));
        }
        for (Map.Entry<String, Path> p : pending.entrySet()) {
            Object key = fileKey(p.getValue());
            if (key != null && key.equals(targetKey) && !files.containsKey(p.getKey())) {
                generations.add(new Entry(p.getKey(), p.getValue(), key, true, null));
            }
        }
        generations.sort(Comparator.comparing(Entry::publishId));
        return new State(List.copyOf(generations));
    }

    /**
     * Puts right whatever a killed run left (see the class comment). Call only under the target's
     * lock. Files removed are added to {@code removed}; a pending link kept as the current
     * generation is told to {@code progress}.
     */
    State reconcile(Instant now, Consumer<String> progress, List<Path> removed) throws IOException {
        if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
            return new State(List.of());
        }
        Object targetKey = fileKey(target);
        List<String> names = new ArrayList<>();
        forEachEntry(names::add);
        for (String name : names) {
            Path path = directory.resolve(name);
            String id;
            if ((id = idOf(name, PENDING)) != null) {
                if (targetKey != null && targetKey.equals(fileKey(path))) {
                    Files.move(path, file(id), StandardCopyOption.ATOMIC_MOVE);
                    progress.accept("kept generation " + id + " as " + file(id)
                            + " (the run that published it was interrupted after the rename)");
                } else if (Files.deleteIfExists(path)) {
                    removed.add(path);
                }
            } else if (idOf(name, RETIRED_TEMP) != null && Files.deleteIfExists(path)) {
                removed.add(path);
            }
        }
        State state = read();
        for (String name : names) {
            String id = idOf(name, RETIRED);
            if (id != null && state.find(id) == null && Files.deleteIfExists(directory.resolve(name))) {
                removed.add(directory.resolve(name));
            }
        }
        boolean marked = false;
        for (Entry e : state.generations()) {
            if (!e.current() && e.notCurrentSince() == null) {
                markNotCurrent(e.publishId(), now);
                marked = true;
            }
        }
        return marked ? read() : state;
    }

    /**
     * Links the sealed, verified temporary file into the history under its pending name before
     * the rename, and makes that durable, so that a generation published is a generation kept.
     * Returns null, or why the history cannot keep it (a file system without hard links, for one).
     */
    String linkPending(Path temp, String publishId) {
        Path link = pending(publishId);
        try {
            Files.createDirectories(directory);
            Files.createLink(link, temp);
            fsyncDirectory();
            return null;
        } catch (IOException | UnsupportedOperationException e) {
            discardPending(publishId);
            return "cannot hard-link " + link + " to " + temp + ": " + AtomicPublisher.reasonOf(e);
        }
    }

    /** After the rename: the pending link is the current generation. */
    Path promote(String publishId) throws IOException {
        Files.move(pending(publishId), file(publishId), StandardCopyOption.ATOMIC_MOVE);
        return file(publishId);
    }

    /** A pending link of a run that failed before its rename; never throws (the next run removes it). */
    void discardPending(String publishId) {
        try {
            Files.deleteIfExists(pending(publishId));
        } catch (IOException ignored) {
            // reconcile removes it
        }
    }

    /**
     * Records that the generation stopped being current at {@code at}, rounded up to microseconds
     * (the precision of published_at): written whole, then renamed.
     */
    void markNotCurrent(String publishId, Instant at) throws IOException {
        Instant micros = at.truncatedTo(ChronoUnit.MICROS);
        Instant mark = micros.equals(at) ? at : micros.plus(1, ChronoUnit.MICROS);
        Path temp = retiredTemp(publishId);
        Files.writeString(temp, mark + "\n", StandardCharsets.US_ASCII);
        Files.move(temp, retiredMark(publishId), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Before a rollback makes the generation current again: its old mark goes, durably, so that a
     * kill after the next rename cannot leave a generation that was current a moment ago looking
     * as if it had stopped being current long ago.
     */
    void clearNotCurrent(String publishId) throws IOException {
        if (Files.deleteIfExists(retiredMark(publishId))) {
            fsyncDirectory();
        }
    }

    /** What a prune kept (the current one first, then the one current most recently...) and deleted (oldest first). */
    record Pruned(List<String> kept, List<String> pruned) {
    }

    /**
     * Under the target's lock: {@link #reconcile}, then deletes what {@link #toPrune} selects,
     * telling {@code progress} one line per generation (after its file is gone, before its mark is).
     */
    Pruned prune(int keep, Duration keepFor, Instant now, Consumer<String> progress, List<Path> removed)
            throws IOException {
        State state = reconcile(now, progress, removed);
        List<String> pruned = new ArrayList<>();
        for (Entry e : toPrune(state.generations(), keep, keepFor, now)) {
            Files.deleteIfExists(e.file());
            pruned.add(e.publishId());
            progress.accept("pruned generation " + e.publishId() + " (not current since " + e.notCurrentSince() + ")");
            Files.deleteIfExists(retiredMark(e.publishId()));
        }
        List<String> kept = state.generations().stream().sorted(MOST_RECENTLY_CURRENT_FIRST).map(Entry::publishId)
                .filter(id -> !pruned.contains(id)).toList();
        return new Pruned(kept, List.copyOf(pruned));
    }

    /**
     * The deletion policy. Kept: the current generation; the {@code keep - 1} (or {@code keep}
     * with no current one) that were current most recently; and every generation that stopped being
     * current less than {@code keepFor} before {@code now}. Returned: the others, oldest first (the
     * one that stopped being current longest ago first).
     */
    static List<Entry> toPrune(List<Entry> generations, int keep, Duration keepFor, Instant now) {
        List<Entry> others = new ArrayList<>(generations.stream().filter(e -> !e.current()).toList());
        others.sort(MOST_RECENTLY_CURRENT_FIRST);
        boolean hasCurrent = others.size() < generations.size();
        int slots = Math.max(0, hasCurrent ? keep - 1 : keep);
        List<Entry> prune = new ArrayList<>();
        for (int i = slots; i < others.size(); i++) {
            Entry e = others.get(i);
            Instant since = e.notCurrentSince() == null ? now : e.notCurrentSince();
            if (!since.plus(keepFor).isAfter(now)) {
                prune.add(e);
            }
        }
        Collections.reverse(prune);
        return prune;
    }

    /**
     * The current generation first, then by when they stopped being current, most recently first (a
     * missing instant counts as now); ties by publish id, newest first.
     */
    static final Comparator<Entry> MOST_RECENTLY_CURRENT_FIRST = Comparator
            .comparing(Entry::notCurrentSince, Comparator.nullsFirst(Comparator.<Instant>reverseOrder()))
            .thenComparing(Entry::publishId, Comparator.reverseOrder());

    /** The instant in a mark, or null if there is none or it cannot be read (then it counts as missing). */
    private Instant readMark(String publishId) throws IOException {
        try {
            return Instant.parse(Files.readString(retiredMark(publishId), StandardCharsets.US_ASCII).strip());
        } catch (NoSuchFileException | DateTimeParseException e) {
            return null;
        }
    }

    private void fsyncDirectory() throws IOException {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

    private void forEachEntry(Consumer<String> names) throws IOException {
        // No glob: the target's name may hold glob characters.
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            for (Path entry : entries) {
                names.accept(entry.getFileName().toString());
            }
        } catch (DirectoryIteratorException e) {
            throw e.getCause();
        }
    }

    /** The second a publish id was made in (its first 16 characters). */
    static Instant timeOfId(String publishId) {
        return Instant.from(Exporter.ID_TIME.parse(publishId.substring(0, 16)));
    }

    /** The publish id of a name {@code <publishId><suffix>}, or null. */
    private static String idOf(String name, String suffix) {
        if (!name.endsWith(suffix)) {
            return null;
        }
        String id = name.substring(0, name.length() - suffix.length());
        return isPublishId(id) ? id : null;
    }

    /** The file key of a regular file (not following a symbolic link), or null if there is none. */
    static Object fileKey(Path path) throws IOException {
        try {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.isRegularFile()) {
                return null;
            }
            if (a.fileKey() == null) {
                throw new IOException("the file system of " + path + " gives no file keys (device and inode), "
                        + "which tell which kept generation is the current one");
            }
            return a.fileKey();
        } catch (NoSuchFileException e) {
            return null;
        }
    }
}
