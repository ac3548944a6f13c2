package io.duckserving.exporter;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * One exporter per target: an OS lock on {@code <target>.lock} beside the target. The lock file
 * stays on disk (deleting it would let two exporters lock two different files); the OS lock
 * dies with the process, so a killed exporter never blocks the next run.
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
    private boolean closed;

    private TargetLock(Semaphore permit, FileChannel channel, FileLock lock) {
        this.permit = permit;
        this.channel = channel;
        this.lock = lock;
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
            FileChannel channel = open(target, lockFile);
            try {
                return new TargetLock(permit, channel, lockWithin(channel, target, lockFile, deadline));
            } catch (ExportException | RuntimeException e) {
                closeQuietly(channel);
                throw e;
            }
        } catch (ExportException | RuntimeException e) {
            permit.release();
            throw e;
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

    private static FileChannel open(Path target, Path lockFile) throws ExportException {
        try {
            return FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (AccessDeniedException e) {
            throw new ExportException(ExportException.Reason.INVALID_REQUEST, "cannot write in the target directory "
                    + target.getParent() + " (creating lock file " + lockFile + " was denied); "
                    + "choose a target in a directory this user can write", e);
        } catch (IOException e) {
            throw new ExportException(ExportException.Reason.INVALID_REQUEST, "cannot create lock file " + lockFile
                    + ": " + e + "; check that the target directory " + target.getParent() + " is writable", e);
        }
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
