package io.duckserving.jdbc.snapshot;

import java.nio.file.NoSuchFileException;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/** A published file that failed to open: identified by key, size and time so a new file is tried at once. */
final class OpenFailure {
    final Object fileKey;
    final long size;
    final long modifiedMillis;
    final String message;
    final Exception cause;
    final long firstFailureNanos;
    final long retryAtNanos;

    private OpenFailure(BasicFileAttributes a, String message, Exception cause, long firstFailureNanos,
            long retryAtNanos) {
        this.cause = cause;
        this.fileKey = a == null ? null : a.fileKey();
        this.size = a == null ? -1 : a.size();
        this.modifiedMillis = a == null ? -1 : a.lastModifiedTime().toMillis();
        this.message = message;
        this.firstFailureNanos = firstFailureNanos;
        this.retryAtNanos = retryAtNanos;
    }

    static OpenFailure after(OpenFailure previous, BasicFileAttributes a, Exception e, long now, long retryNanos) {
        String message = e instanceof NoSuchFileException ? "the file does not exist"
                : e.getMessage() == null ? e.toString() : e.getMessage();
        return new OpenFailure(a, message, e, previous == null ? now : previous.firstFailureNanos, now + retryNanos);
    }

    boolean isSameFile(BasicFileAttributes a) {
        if (a == null) {
            return fileKey == null;
        }
        return Objects.equals(fileKey, a.fileKey()) && size == a.size()
                && modifiedMillis == a.lastModifiedTime().toMillis();
    }

    boolean retryDue(long now) {
        return now - retryAtNanos >= 0;
    }
}
