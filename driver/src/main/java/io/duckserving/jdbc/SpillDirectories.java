package io.duckserving.jdbc;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Directories the driver owns on disk: the per-user spill root, each snapshot's spill directory
 * and private link directory. Each is named for the process that made it (pid and start time, so a
 * reused pid is not mistaken for the owner), and a later process removes those of dead owners.
 */
final class SpillDirectories {
    private static final Logger LOG = Logger.getLogger(ServingDriver.LOGGER_NAME);
    /** {@code <pid>-<start millis>-<sequence>}, optionally after a prefix such as {@code snapshot-}. */
    private static final Pattern OWNED = Pattern.compile("(?:snapshot-)?(\\d+)-(\\d+)-(\\d+)");
    private static final long PID = ProcessHandle.current().pid();
    private static final long START = startMillis(ProcessHandle.current());

    private SpillDirectories() {
    }

    /** A name unique to this process and {@code sequence}, that {@link #removeAbandoned} understands. */
    static String ownedName(String prefix, long sequence) {
        return prefix + PID + "-" + START + "-" + sequence;
    }

    /** The default spill root: private to this OS user, so nobody else reads or blocks our spill. */
    static Path defaultRoot() {
        return Paths.get(System.getProperty("java.io.tmpdir"), "duckdb-serving-" + userName());
    }

    static String userName() {
        return System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /**
     * Creates {@code dir} with mode 0700 if absent, and checks an existing one is a real directory
     * of ours that nobody else can enter.
     */
    static void createPrivateDirectory(Path dir) throws IOException {
        boolean posix = Files.getFileStore(dir.getParent()).supportsFileAttributeView(PosixFileAttributeView.class);
        try {
            if (posix) {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------")); // umask may narrow it
            } else {
                Files.createDirectory(dir);
            }
            return;
        } catch (FileAlreadyExistsException e) {
            // checked below
        }
        if (Files.isSymbolicLink(dir) || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(dir + " exists but is not a directory of its own (a file or a symbolic link): "
                    + "remove it, or choose another directory with " + ServingProperty.SPILL_DIRECTORY.getName());
        }
        if (posix) {
            PosixFileAttributes a = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            String me = System.getProperty("user.name");
            if (me != null && !a.owner().getName().equals(me)) {
                throw new IOException(dir + " belongs to " + a.owner().getName() + ", not to " + me + ": another user "
                        + "could read or replace what is written there. Remove it, or choose another directory with "
                        + ServingProperty.SPILL_DIRECTORY.getName());
            }
            Set<PosixFilePermission> p = a.permissions();
            if (p.stream().anyMatch(x -> x.name().startsWith("GROUP") || x.name().startsWith("OTHERS"))) {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            }
        }
    }

    /** Removes the owned directories under {@code root} whose process has ended; never follows links. */
    static void removeAbandoned(Path root) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
            for (Path entry : entries) {
                Matcher m = OWNED.matcher(entry.getFileName().toString());
                if (m.matches() && !isAlive(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)))
                        && Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                    LOG.fine(() -> "removing " + entry + ", left by a process that has ended");
                    deleteRecursively(entry);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.FINE, "could not look for abandoned directories in " + root, e);
        }
    }

    private static boolean isAlive(long pid, long startMillis) {
        if (pid == PID) {
            return startMillis == START;
        }
        Optional<ProcessHandle> p = ProcessHandle.of(pid);
        return p.isPresent() && p.get().isAlive() && startMillis(p.get()) == startMillis;
    }

    private static long startMillis(ProcessHandle p) {
        return p.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
    }

    /** Deletes {@code dir} and what is in it; symbolic links inside are removed, never followed. */
    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            LOG.log(Level.FINE, "could not remove " + dir, e);
        }
    }
}
