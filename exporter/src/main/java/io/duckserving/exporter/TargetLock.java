package io.duckserving.exporter;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * One exporter per target: an OS lock on {@code <target>.lock} beside the target. The lock file
 * stays on disk (deleting it would let two exporters lock two different files); the OS lock
 * dies with the process, so a killed exporter never blocks the next run.
 */
final class TargetLock implements AutoCloseable {

    private static final long POLL_MILLIS = 100;

    private final FileChannel channel;
    private final FileLock lock;

    private TargetLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    static Path lockFileOf(Path target) {
        return target.resolveSibling(target.getFileName() + ".lock");
    }

    static TargetLock acquire(Path target, Duration wait) throws ExportException {
        Path lockFile = lockFileOf(target);
        FileChannel channel;
        try {
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (AccessDeniedException e) {
            throw new ExportException(ExportException.Reason.INVALID_REQUEST, "cannot write in the target directory "
                    + target.getParent() + " (creating lock file " + lockFile + " was denied); "
                    + "choose a target in a directory this user can write", e);
        } catch (IOException e) {
            throw new ExportException(ExportException.Reason.INVALID_REQUEST, "cannot create lock file " + lockFile
                    + ": " + e + "; check that the target directory " + target.getParent() + " is writable", e);
        }
        long deadline = System.nanoTime() + wait.toNanos();
        try {
            while (true) {
                FileLock lock = tryLock(channel);
                if (lock != null) {
                    return new TargetLock(channel, lock);
                }
                if (System.nanoTime() - deadline >= 0) {
                    throw new ExportException(ExportException.Reason.TARGET_LOCKED, "another exporter is publishing "
                            + target + " (it holds " + lockFile + "); waited " + wait.toSeconds()
                            + " s. Let it finish, or raise --wait");
                }
                Thread.sleep(POLL_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(channel);
            throw new ExportException(ExportException.Reason.FAILED, "interrupted while waiting for " + lockFile, e);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new ExportException(ExportException.Reason.FAILED, "cannot lock " + lockFile + ": " + e, e);
        } catch (ExportException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException sameJvmHoldsIt) {
            return null;
        }
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
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel below releases it as well
        }
        closeQuietly(channel);
    }
}
