package io.duckserving.exporter;

/**
 * Any failure of an export, or of a rollback, prune or history listing ({@link Publications}).
 * The message names the file, schema or option at fault and says what to do; {@link #reason()}
 * tells callers (and the CLI's exit code) what kind of failure it was. Whatever the reason, no
 * temporary file is left behind, and the published target is untouched, except for
 * {@link Reason#PUBLISHED_NOT_DURABLE}.
 */
public class ExportException extends Exception {

    /** What kind of failure; each maps to one CLI exit code. */
    public enum Reason {
        /** The request cannot work as given: missing source or schema, catalog clash, bad target directory. */
        INVALID_REQUEST(2),
        /** The export ran and failed: I/O error, full disk, verification mismatch. */
        FAILED(1),
        /** A writer (the pipeline) held the source's lock for longer than the wait timeout. */
        SOURCE_LOCKED(3),
        /** Another exporter held the target's lock file for longer than the wait timeout. */
        TARGET_LOCKED(4),
        /**
         * The new snapshot was renamed over the target (readers see it), but the directory could not
         * be fsynced, so a power cut may still bring back the previous snapshot.
         */
        PUBLISHED_NOT_DURABLE(5),
        /**
         * The local target was published (its readers see the new snapshot), but at least one
         * {@code s3://} target was not: the message says which, and why.
         */
        PUBLISHED_LOCALLY_ONLY(6),
        /**
         * Another publisher or a rollback changed an {@code s3://} target's manifest.json while this run
         * uploaded (its conditional write was refused): the target is as they left it; run again.
         */
        OBJECT_TARGET_CHANGED(7);

        private final int exitCode;

        Reason(int exitCode) {
            this.exitCode = exitCode;
        }

        public int exitCode() {
            return exitCode;
        }
    }

    private static final long serialVersionUID = 1L;

    private final Reason reason;
    private final transient ExportReport report;

    public ExportException(Reason reason, String message) {
        super(message);
        this.reason = reason;
        this.report = null;
    }

    public ExportException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.report = null;
    }

    /** A failure after some targets were published: {@code report} says which ones. */
    public ExportException(Reason reason, String message, ExportReport report) {
        super(message);
        this.reason = reason;
        this.report = report;
    }

    /**
     * What was published nonetheless (the local target, some {@code s3://} targets), with each
     * object target's outcome in {@link ExportReport#objectTargets()}; null when nothing was.
     */
    public ExportReport report() {
        return report;
    }

    public Reason reason() {
        return reason;
    }
}
