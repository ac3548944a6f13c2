package io.duckserving.jdbc.snapshot;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where DuckDB's spill files go: one private root per OS user, one directory per snapshot under it
 * named for the process that owns it, and a sweep that removes what dead processes left.
 *
 * <p>The root used to be {@code <java.io.tmpdir>/duckdb-serving}, shared by every user: the first
 * user's umask decided who could spill (mode 755: nobody else), spill files were readable by
 * others, and a JVM killed with {@code kill -9} left its spill behind for ever. Now:
 * <ul>
 *   <li>{@link #defaultRoot()} is {@code <java.io.tmpdir>/duckdb-serving-<user>} and
 *       {@link #createPrivate(Path)} makes it mode 0700 and refuses one that is not ours alone;
 *   <li>{@link #spillDirectory(Path, long)} names a snapshot's directory
 *       {@code snapshot-<pid>-<process start, epoch ms>-<snapshot id>}: the start time tells a
 *       live owner from a new process that reuses a dead owner's pid;
 *   <li>{@link #removeOrphans(Path)} deletes, under a root, the directories so named whose process
 *       is gone, never anything else, never following a symbolic link.
 * </ul>
 */
public final class SpillRoot {
    static final String PREFIX = "duckdb-serving-";
    private static final Pattern NAME = Pattern.compile("snapshot-([1-9][0-9]{0,18})-([0-9]{1,19})-([0-9]{1,19})");
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> GROUP_OR_OTHER = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);
    private static final int MAX_USER_LENGTH = 64;

    private SpillRoot() {
    }

    /** {@code <java.io.tmpdir>/duckdb-serving-<user>}; nothing is created. */
    public static Path defaultRoot() {
        return Paths.get(System.getProperty("java.io.tmpdir"), PREFIX + userName()).toAbsolutePath();
    }

    /**
     * {@code user.name} with every character but letters, digits, {@code .}, {@code _} and
     * {@code -} replaced by {@code _}, at most 64 characters; {@code uid<n>} (or {@code unknown})
     * when nothing usable is left, e.g. a container user without a passwd entry.
     */
    static String userName() {
        String sanitized = sanitize(System.getProperty("user.name", ""));
        if (!sanitized.isEmpty()) {
            return sanitized;
        }
        try {
            return "uid" + Files.getAttribute(Paths.get("/proc/self"), "unix:uid");
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    static String sanitize(String user) {
        String s = user.replaceAll("[^A-Za-z0-9._-]", "_");
        if (s.length() > MAX_USER_LENGTH) {
            s = s.substring(0, MAX_USER_LENGTH);
        }
        // "", ".", ".." or only replaced characters name nothing, or the wrong directory
        return s.replace(".", "").replace("_", "").isEmpty() ? "" : s;
    }

    /**
     * Creates {@code root} (and missing parents) with mode 0700 where the file system has POSIX
     * permissions, then checks that it is a real directory (not a symbolic link) and, on POSIX,
     * owned by this process's user and closed to group and others. Another user who created the
     * path first (it is in a shared temporary directory) could read or plant spill files: refused.
     *
     * @return {@code root}
     * @throws IOException saying what is wrong with the path and what to do
     */
    static Path createPrivate(Path root) throws IOException {
        return createPrivate(root, "spill root", PropertyNames.SPILL_DIRECTORY);
    }

    /**
     * {@link #createPrivate(Path)} for any per-user directory in a shared place ({@code what}, for
     * example "the default replica directory"); the errors name {@code property} as the way out.
     */
    public static Path createPrivate(Path root, String what, String property) throws IOException {
        boolean posix = Files.getFileStore(existingAncestor(root)).supportsFileAttributeView(PosixFileAttributeView.class);
        try {
            if (posix) {
                Files.createDirectories(root, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            } else {
                Files.createDirectories(root);
            }
        } catch (FileAlreadyExistsException e) {
            throw new IOException(what + " " + root + " exists but is not a directory (" + describe(root)
                    + "): remove it, or set " + property + " to a directory of your own", e);
        }
        BasicFileAttributes attrs = posix
                ? Files.readAttributes(root, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                : Files.readAttributes(root, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (attrs.isSymbolicLink()) {
            throw new IOException(what + " " + root + " is a symbolic link, which anyone who could create it may "
                    + "point anywhere: remove it (the driver creates a private directory there), or set "
                    + property + " to a directory of your own");
        }
        if (!attrs.isDirectory()) {
            throw new IOException(what + " " + root + " is not a directory (" + describe(root) + "): remove it, or set "
                    + property + " to a directory of your own");
        }
        if (posix) {
            PosixFileAttributes p = (PosixFileAttributes) attrs;
            UserPrincipal me = currentUser();
            if (me != null && !me.equals(p.owner())) {
                throw new IOException(what + " " + root + " is owned by " + p.owner().getName() + ", not by "
                        + me.getName() + " who runs this JVM: another user created it first; remove it, or set "
                        + property + " to a directory of your own");
            }
            Set<PosixFilePermission> open = EnumSet.noneOf(PosixFilePermission.class);
            open.addAll(p.permissions());
            open.retainAll(GROUP_OR_OTHER);
            if (!open.isEmpty()) {
                throw new IOException(what + " " + root + " has mode " + PosixFilePermissions.toString(p.permissions())
                        + ", so other users can see or change its files: chmod 700 " + root + ", or remove it and "
                        + "the driver creates it private");
            }
        }
        return root;
    }

    /** The spill directory of snapshot {@code snapshotId} of this process under {@code root}. */
    static Path spillDirectory(Path root, long snapshotId) {
        ProcessHandle self = ProcessHandle.current();
        return root.resolve(directoryName(self.pid(), self.info().startInstant().orElse(null), snapshotId));
    }

    /**
     * {@code snapshot-<pid>-<start epoch ms>-<snapshot id>}; a start time the platform does not
     * tell is written 0, and such a directory is removed only once its pid is gone.
     */
    static String directoryName(long pid, Instant start, long snapshotId) {
        if (pid <= 0 || snapshotId < 0) {
            throw new IllegalArgumentException("pid " + pid + ", snapshot id " + snapshotId);
        }
        long startMillis = start == null ? 0 : Math.max(0, start.toEpochMilli());
        return "snapshot-" + pid + "-" + startMillis + "-" + snapshotId;
    }

    /** Pid and start time encoded in a spill directory's name, or empty if the name is not one of ours. */
    static Optional<Owner> owner(String name) {
        Matcher m = NAME.matcher(name);
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            long pid = Long.parseLong(m.group(1));
            long start = Long.parseLong(m.group(2));
            long snapshotId = Long.parseLong(m.group(3));
            // a name made by us prints numbers without leading zeros: refuse look-alikes
            if (!name.equals(directoryName(pid, start == 0 ? null : Instant.ofEpochMilli(start), snapshotId))) {
                return Optional.empty();
            }
            return Optional.of(new Owner(pid, start));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The process a spill directory belongs to: its pid and start time (epoch ms, 0 when unknown). */
    record Owner(long pid, long startMillis) {
        /**
         * True while a process with this pid runs and, when both start times are known, started at
         * the recorded time. When the live process's start cannot be read, it is presumed the owner.
         */
        boolean isAlive() {
            Optional<ProcessHandle> process = ProcessHandle.of(pid);
            if (process.isEmpty() || !process.get().isAlive()) {
                return false;
            }
            if (startMillis == 0) {
                return true;
            }
            Optional<Instant> start = process.get().info().startInstant();
            return start.isEmpty() || start.get().toEpochMilli() == startMillis;
        }
    }

    /**
     * Deletes every directory directly under {@code root} whose name is a spill directory name
     * ({@link #directoryName}) and whose process is gone: no process has the pid, or the one that
     * has it started at another time (the pid was reused). Anything else (other names, files,
     * symbolic links, directories of live processes) is left alone. Deletion never follows a
     * symbolic link: a link inside a spill directory is removed, its target is not. Files that
     * vanish meanwhile (another process sweeping too) are skipped.
     *
     * @return the directories removed; empty if {@code root} does not exist
     * @throws IOException if {@code root} cannot be listed or a directory cannot be deleted
     */
    static List<Path> removeOrphans(Path root) throws IOException {
        List<Path> removed = new ArrayList<>();
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            return removed;
        }
        List<Path> orphans = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
            for (Path entry : entries) {
                Optional<Owner> owner = owner(entry.getFileName().toString());
                if (owner.isPresent() && Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS) && !owner.get().isAlive()) {
                    orphans.add(entry);
                }
            }
        }
        for (Path orphan : orphans) {
            deleteTree(orphan);
            removed.add(orphan);
        }
        return removed;
    }

    /** {@link #deleteTree}, logging instead of throwing: for clean-up that must not fail a reader. */
    static void deleteQuietly(Path dir) {
        try {
            if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                deleteTree(dir);
            }
        } catch (IOException e) {
            java.util.logging.Logger.getLogger(Engine.LOGGER_NAME)
                    .log(java.util.logging.Level.FINE, "could not remove " + dir, e);
        }
    }

    /** Creates the root (private if it is the default one) and removes what dead processes left in it. */
    static void prepare(Path root) throws IOException {
        if (root.equals(defaultRoot())) {
            createPrivate(root);
        } else {
            Files.createDirectories(root);
        }
        try {
            removeOrphans(root);
        } catch (IOException e) {
            java.util.logging.Logger.getLogger(Engine.LOGGER_NAME)
                    .log(java.util.logging.Level.FINE, "could not look for abandoned directories in " + root, e);
        }
    }

    /** Deletes a directory tree without following links; the walk itself never follows them either. */
    private static void deleteTree(Path dir) throws IOException {
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file); // a symbolic link is deleted itself, never its target
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null && !(e instanceof NoSuchFileException)) {
                    throw e;
                }
                Files.deleteIfExists(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** The owner of {@code /proc/self} (this process's effective user) on Linux, else {@code user.name}'s principal. */
    private static UserPrincipal currentUser() {
        try {
            return Files.getOwner(Paths.get("/proc/self"));
        } catch (IOException | RuntimeException e) {
            try {
                return Paths.get("").toAbsolutePath().getFileSystem().getUserPrincipalLookupService()
                        .lookupPrincipalByName(System.getProperty("user.name"));
            } catch (IOException | RuntimeException e2) {
                return null; // cannot tell: the mode check still applies
            }
        }
    }

    private static Path existingAncestor(Path path) {
        Path p = path.toAbsolutePath();
        while (p != null && !Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            p = p.getParent();
        }
        return p == null ? path.toAbsolutePath().getRoot() : p;
    }

    private static String describe(Path path) {
        try {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return a.isSymbolicLink() ? "a symbolic link" : a.isRegularFile() ? "a regular file"
                    : a.isDirectory() ? "a directory" : "a special file";
        } catch (IOException e) {
            return "unreadable: " + e;
        }
    }
}
