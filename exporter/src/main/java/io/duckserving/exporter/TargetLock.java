package io.duckserving.exporter;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * One exporter per target: an OS lock on {@code <target>.lock} beside the target. The OS lock
 * dies with the process, so a killed exporter never blocks the next run. The lock file stays on
 * disk, except that a run refused as an invalid request deletes the lock file it created itself
 * ({@link #deleteIfCreated()}), so a mistyped command leaves nothing behind. Deleting a lock file
 * could let two exporters lock two different files (one waited on the deleted file's inode), so
 * every exporter, once locked, compares the file key (device and inode) of the file it opened with
 * that of the file the path names now: if they differ (or nothing is there), it locked a deleted
 * file, and it starts over on the file the path names now.
 *
 * <p>OS locks are per process: closing any channel on the file drops every lock this process
 * holds on it. So exporters in one JVM first take a JVM-wide permit for the lock file, and only
 * the holder of that permit ever opens a channel on it.
 */
final class TargetLock implements AutoCloseable {

    private static final long POLL_MILLIS = 100;

    /** One permit per lock file (keyed by its real path) for the whole JVM; never removed, they are tiny. */
    private static final ConcurrentMap<Path, Semaphore> IN_THIS_JVM = new ConcurrentHashMap<>();

    private final Semaphore permit;
    private final FileChannel channel;
    private final FileLock lock;
    private final Path lockFile;
    private final boolean created;
    private boolean closed;

    private TargetLock(Semaphore permit, FileChannel channel, FileLock lock, Path lockFile, boolean created) {
        this.permit = permit;
        this.channel = channel;
        this.lock = lock;
        this.lockFile = lockFile;
        this.created = created;
    }

    static Path lockFileOf(Path target) {
        return target.resolveSibling(target.getFileName() + ".lock");
    }

    static TargetLock acquire(Path target, Duration wait) throws ExportException {
        return acquire(target, Deadline.after(wait));
    }

    static TargetLock acquire(Path target, Deadline deadline) throws ExportException {
        Path lockFile = lockFileOf(target);
        Semaphore permit = IN_THIS_JVM.computeIfAbsent(jvmKey(target, lockFile), k -> new Semaphore(1));
        try {
            if (!permit.tryAcquire(deadline.remainingNanos(), TimeUnit.NANOSECONDS)) {
                throw locked(target, lockFile, deadline, " in this JVM");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ExportException(ExportException.Reason.FAILED, "interrupted while waiting for " + lockFile, e);
        }
        try {
            while (true) {
                Opened opened = open(target, lockFile);
                try {
                    FileLock lock = lockWithin(opened.channel(), target, lockFile, deadline);
                    if (opened.fileKey() == null || opened.fileKey().equals(fileKey(lockFile))) {
                        return new TargetLock(permit, opened.channel(), lock, lockFile, opened.created());
                    }
                    // A refused run deleted the file this one waited on: lock the file the path names now.
                    closeQuietly(opened.channel());
                } catch (ExportException | RuntimeException e) {
                    closeQuietly(opened.channel());
                    throw e;
                }
            }
        } catch (ExportException | RuntimeException e) {
            permit.release();
            throw e;
        }
    }

    /** An open lock file: its channel, whether this run created it, and its file key (device and inode). */
    private record Opened(FileChannel channel, boolean created, Object fileKey) {
    }

    /**
     * The file key (device and inode) of what the path names now, read without opening the file
     * (opening and closing it here would drop this process's lock); null if nothing is there.
     */
    private static Object fileKey(Path lockFile) throws ExportException {
        try {
            return Files.readAttributes(lockFile, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new ExportException(ExportException.Reason.FAILED, "cannot read the attributes of lock file "
                    + lockFile + ": " + e + "; check that the target's directory is readable", e);
        }
    }

    /**
     * The lock file's real path without opening it (opening and closing a channel would drop a
     * lock held here): the directory's real path plus the file name.
     */
    private static Path jvmKey(Path target, Path lockFile) throws ExportException {
        try {
            return target.toAbsolutePath().getParent().toRealPath().resolve(lockFile.getFileName());
        } catch (IOException e) {
            throw new ExportException(ExportException.Reason.INVALID_REQUEST, "cannot resolve the target's directory "
                    + target.getParent() + ": " + e + "; check that it exists", e);
        }
    }

    /**
     * Opens the lock file, creating it if absent. Java cannot read the file key of an open channel,
     * so an existing file's key is read before and after opening it: equal keys mean the channel
     * opened that file (unless it was deleted and another created, deleted and recreated with the
     * same inode number within these microseconds), else it starts over. A file this run created
     * cannot be deleted by anyone else (only the run that created a lock file deletes it).
     */
    private static Opened open(Path target, Path lockFile) throws ExportException {
        while (true) {
            Object before = fileKey(lockFile);
            FileChannel channel;
            try {
                channel = before == null
                        ? FileChannel.open(lockFile, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)
                        : FileChannel.open(lockFile, StandardOpenOption.WRITE);
            } catch (FileAlreadyExistsException | NoSuchFileException e) {
                if (!Objects.equals(before, fileKey(lockFile))) {
                    continue; // created or deleted by another exporter in between: look again
                }
                throw cannotOpen(target, lockFile, e); // no race: a missing directory, a dangling symlink
            } catch (IOException e) {
                throw cannotOpen(target, lockFile, e);
            }
            Object after;
            try {
                after = fileKey(lockFile);
            } catch (ExportException | RuntimeException e) {
                closeQuietly(channel);
                throw e;
            }
            if (before == null || before.equals(after)) {
                return new Opened(channel, before == null, after);
            }
            closeQuietly(channel);
        }
    }

    private static ExportException cannotOpen(Path target, Path lockFile, IOException e) {
        if (Files.isDirectory(lockFile)) {
            return new ExportException(ExportException.Reason.INVALID_REQUEST, "the target's lock file " + lockFile
                    + " is a directory, so no exporter can lock " + target + "; remove that directory (nothing but "
                    + "the exporter uses this name) and run again", e);
        }
        if (Files.exists(lockFile)) {
            return new ExportException(ExportException.Reason.INVALID_REQUEST, "cannot open the target's lock file "
                    + lockFile + " for writing: " + e + "; make it writable for this user (chmod u+w, or chattr -i "
                    + "if it is immutable) or delete it while no exporter of " + target + " runs", e);
        }
        if (e instanceof AccessDeniedException) {
            return new ExportException(ExportException.Reason.INVALID_REQUEST, "cannot write in the target directory "
                    + target.getParent() + " (creating lock file " + lockFile + " was denied); "
                    + "choose a target in a directory this user can write", e);
        }
        return new ExportException(ExportException.Reason.INVALID_REQUEST, "cannot create lock file " + lockFile
                + ": " + e + "; check that the target directory " + target.getParent() + " is writable", e);
    }

    private static FileLock lockWithin(FileChannel channel, Path target, Path lockFile, Deadline deadline)
            throws ExportException {
        try {
            while (true) {
                FileLock lock = tryLock(channel);
                if (lock != null) {
                    return lock;
                }
                if (deadline.expired()) {
                    throw locked(target, lockFile, deadline, "");
                }
                Thread.sleep(Math.min(POLL_MILLIS, Math.max(1, deadline.remainingNanos() / 1_000_000)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ExportException(ExportException.Reason.FAILED, "interrupted while waiting for " + lockFile, e);
        } catch (IOException e) {
            throw new ExportException(ExportException.Reason.FAILED, "cannot lock " + lockFile + ": " + e, e);
        }
    }

    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException unexpected) {
            // The permit makes this impossible unless another library locks the same file here.
            return null;
        }
    }

    private static ExportException locked(Path target, Path lockFile, Deadline deadline, String where) {
        return new ExportException(ExportException.Reason.TARGET_LOCKED, "another exporter" + where
                + " is publishing " + target + " (it holds " + lockFile + "); waited " + deadline.budget().toSeconds()
                + " s. Let it finish, or raise --wait");
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing to do: closing also drops any lock
        }
    }

    /**
     * Deletes the lock file if this run created it, while still holding its lock (a waiter on the
     * deleted file notices and starts over, see the class comment); then {@link #close()} releases.
     * Never throws: a lock file left behind is harmless.
     */
    void deleteIfCreated() {
        if (created && !closed) {
            try {
                Files.deleteIfExists(lockFile);
            } catch (IOException ignored) {
                // it stays, as it always did before
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return; // a second release would hand out two permits
        }
        closed = true;
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel below releases it as well
        }
        closeQuietly(channel);
        permit.release();
    }
}
