package io.duckserving.exporter;

import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What to export where. Build with {@link #builder()}; exactly one of {@code source(Path)} (a
 * lakehouse file, copied with ATTACH + CREATE TABLE AS) or {@code sourceConnection(Connection)}
 * (a live DuckDB connection, streamed through Arrow C Data) must be set, and at least one target:
 * a local {@code target(Path)}, or {@code s3://} targets ({@link Builder#objectTargets(List)}), or
 * both (the local one is published first, and its very file is uploaded).
 */
public final class ExportRequest {

    public static final String DEFAULT_SCHEMA = "serving";
    public static final Duration DEFAULT_WAIT = Duration.ofSeconds(60);
    /** A bound far beyond any real wait that keeps the deadline arithmetic in range: 366 days. */
    public static final long MAX_WAIT_SECONDS = 366L * 24 * 3600;
    public static final Duration MAX_WAIT = Duration.ofSeconds(MAX_WAIT_SECONDS);
    /**
     * The most DuckDB threads a copy may use: 4 per core of this machine. More only adds
     * overhead (100000 threads kept an export busy for ten minutes while it held the target's lock).
     */
    public static final int MAX_THREADS = 4 * Runtime.getRuntime().availableProcessors();
    /**
     * How long a finished, verified snapshot is offered to readers under its handoff name before
     * it is renamed over the target: a driver opens a snapshot in 15-25 ms and warms a dashboard's
     * queries in about 100 ms more, so one second leaves room on a busy host and delays each
     * publish by no more than a second.
     */
    public static final Duration DEFAULT_HANDOFF = Duration.ofSeconds(1);
    /**
     * The longest handoff: the exporter holds the target's lock meanwhile, so a typo such as an
     * hour would stall every publish of the target behind it.
     */
    public static final Duration MAX_HANDOFF = Duration.ofMinutes(10);

    /**
     * A DuckDB size: a number (digits, optionally a fraction) and a unit, B, KB, MB, GB, TB (powers
     * of 1000) or KiB, MiB, GiB, TiB (powers of 1024), any case, or a percentage of the RAM.
     * No sign: DuckDB reads a negative limit as "no limit" (-5GB becomes 16383.9 PiB).
     */
    private static final Pattern MEMORY_LIMIT = Pattern.compile(
            "(\\d+(?:\\.\\d+)?)\\s*(%|B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)", Pattern.CASE_INSENSITIVE);

    private final Path source;
    private final Connection sourceConnection;
    private final Path target;
    private final List<String> schemas;
    private final Duration waitTimeout;
    private final Consumer<String> progress;
    private final int threads;
    private final String memoryLimit;
    private final Duration handoff;
    private final int keep;
    private final Duration keepFor;
    private final List<ObjectTarget> objectTargets;
    private final S3Settings s3;
    private final long s3PartSize;
    private final Path workDir;
    private final boolean workCopy;

    private ExportRequest(Builder b, List<ObjectTarget> objectTargets) {
        this(b, objectTargets, false);
    }

    private ExportRequest(Builder b, List<ObjectTarget> objectTargets, boolean workCopy) {
        this.source = b.source == null ? null : b.source.toAbsolutePath().normalize();
        this.sourceConnection = b.sourceConnection;
        this.target = b.target == null ? null : b.target.toAbsolutePath().normalize();
        this.schemas = List.copyOf(b.schemas.isEmpty() ? List.of(DEFAULT_SCHEMA) : b.schemas);
        this.waitTimeout = b.waitTimeout;
        this.progress = b.progress;
        this.threads = b.threads;
        this.memoryLimit = b.memoryLimit;
        this.handoff = b.handoff;
        this.keep = b.keep;
        this.keepFor = b.keepFor;
        this.objectTargets = List.copyOf(objectTargets);
        this.s3 = b.s3;
        this.s3PartSize = b.s3PartSize;
        this.workDir = (b.workDir != null ? b.workDir : Path.of(System.getProperty("java.io.tmpdir")))
                .toAbsolutePath().normalize();
        this.workCopy = workCopy;
    }

    /**
     * The same export to a local file in the work directory, without handoff or history: what an
     * export with {@code s3://} targets only writes, seals and verifies before the upload.
     */
    ExportRequest inWorkDirectory(Path localTarget) {
        Builder b = builder().source(source).sourceConnection(sourceConnection).target(localTarget).schemas(schemas)
                .waitTimeout(waitTimeout).progress(progress).threads(threads).memoryLimit(memoryLimit)
                .handoff(Duration.ZERO).keep(1);
        return new ExportRequest(b, List.of(), true);
    }

    /** Whether the local target is only the work directory's copy for the upload (see {@link #inWorkDirectory}). */
    boolean workCopy() {
        return workCopy;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The lakehouse file, or null when the source is a live connection. */
    public Path source() {
        return source;
    }

    /** The live source connection, or null when the source is a file. */
    public Connection sourceConnection() {
        return sourceConnection;
    }

    /** The local target, or null when there are only {@code s3://} targets. */
    public Path target() {
        return target;
    }

    /** The {@code s3://} targets, in the order given; empty for a local export only. */
    public List<URI> objectTargets() {
        return objectTargets.stream().map(ObjectTarget::uri).toList();
    }

    List<ObjectTarget> objects() {
        return objectTargets;
    }

    /** How to reach object storage: endpoint, region, path style. */
    public S3Settings s3() {
        return s3;
    }

    /** Part size of multipart uploads, in bytes; files up to it go in one PUT. */
    public long s3PartSize() {
        return s3PartSize;
    }

    /**
     * With {@code s3://} targets only: where the snapshot is written, sealed and verified before the
     * upload, in a subdirectory of its own removed afterwards. Default: the system temp directory.
     */
    public Path workDir() {
        return workDir;
    }

    public List<String> schemas() {
        return schemas;
    }

    /**
     * How long to wait in all for another exporter of the same target and then for a source
     * locked by a writer: one budget, counted from the start of the export.
     */
    public Duration waitTimeout() {
        return waitTimeout;
    }

    /** Receives one human-readable line per step (the CLI prints them on standard error). */
    public Consumer<String> progress() {
        return progress;
    }

    /** DuckDB threads for the copy, 1 to {@link #MAX_THREADS}; 0 = DuckDB's default (all cores). */
    public int threads() {
        return threads;
    }

    /** DuckDB memory limit for the copy ("4GB", "80%"), or null for DuckDB's default (80% of RAM). */
    public String memoryLimit() {
        return memoryLimit;
    }

    /**
     * How long the verified snapshot waits under its handoff name, a hard link
     * {@code .<target>.tmp-<publishId>.handoff} beside the target, so that watching drivers can
     * open and warm it before the rename; {@link Duration#ZERO} = no handoff.
     */
    public Duration handoff() {
        return handoff;
    }

    /**
     * How many generations to keep after the publish, counting the new (current) one: each publish
     * is also hard-linked into {@code .<target>.history/<publishId>.duckdb} (no copy), and after it the
     * generations beyond both this and {@link #keepFor()} are deleted, oldest first.
     * Default {@link Publications#DEFAULT_KEEP} (2: the current one and the one before it).
     */
    public int keep() {
        return keep;
    }

    /**
     * How long a generation is kept at least after it stopped being current, whatever
     * {@link #keep()} says: time for readers on other hosts of a shared file system to finish with
     * it. Default {@link Duration#ZERO}.
     */
    public Duration keepFor() {
        return keepFor;
    }

    /** The wait as given, or IllegalArgumentException naming --wait. */
    static Duration checkWait(Duration waitTimeout) {
        Objects.requireNonNull(waitTimeout, "waitTimeout");
        if (waitTimeout.isNegative() || waitTimeout.compareTo(MAX_WAIT) > 0) {
            throw new IllegalArgumentException("--wait (waitTimeout) must be between 0 and " + MAX_WAIT.toSeconds()
                    + " seconds (366 days), not " + waitTimeout.toSeconds() + " s; give a shorter wait");
        }
        return waitTimeout;
    }

    public static final class Builder {
        private Path source;
        private Connection sourceConnection;
        private Path target;
        private final List<String> schemas = new ArrayList<>();
        private Duration waitTimeout = DEFAULT_WAIT;
        private Consumer<String> progress = line -> { };
        private int threads;
        private String memoryLimit;
        private Duration handoff = DEFAULT_HANDOFF;
        private int keep = Publications.DEFAULT_KEEP;
        private Duration keepFor = Publications.DEFAULT_KEEP_FOR;
        private final List<URI> objectTargets = new ArrayList<>();
        private S3Settings s3 = S3Settings.defaults();
        private long s3PartSize = ObjectStore.DEFAULT_PART_SIZE;
        private boolean s3PartSizeSet;
        private Path workDir;

        private Builder() {
        }

        /**
         * Object-storage targets, {@code s3://BUCKET/KEY} (replaces the list): the snapshot is uploaded
         * to {@code KEY/generations/<publishId>.duckdb} with its manifest, then made current by one PUT
         * of {@code KEY/manifest.json}. With a local {@link #target(Path)} too, the file published
         * locally is the one uploaded.
         */
        public Builder objectTargets(List<URI> objectTargets) {
            this.objectTargets.clear();
            this.objectTargets.addAll(objectTargets);
            return this;
        }

        /** Endpoint, region and path style for the {@code s3://} targets; default: the AWS SDK's chains. */
        public Builder s3(S3Settings s3) {
            this.s3 = Objects.requireNonNull(s3, "s3");
            return this;
        }

        /**
         * Multipart part size in bytes, {@link ObjectStore#MIN_PART_SIZE} (5 MiB, S3's minimum) to
         * 1 GiB (a part is held in memory); default 16 MiB.
         */
        public Builder s3PartSize(long bytes) {
            if (bytes < ObjectStore.MIN_PART_SIZE || bytes > ObjectStore.MAX_PART_SIZE) {
                throw new IllegalArgumentException("--s3-part-size (s3PartSize) must be between 5MiB (S3's smallest "
                        + "part) and 1GiB (a part is held in memory), not " + bytes + " bytes; give e.g. 16MiB");
            }
            this.s3PartSize = bytes;
            this.s3PartSizeSet = true;
            return this;
        }

        /** See {@link ExportRequest#workDir()}; only with {@code s3://} targets and no local target. */
        public Builder workDir(Path workDir) {
            this.workDir = workDir;
            return this;
        }

        public Builder source(Path source) {
            this.source = source;
            return this;
        }

        /**
         * A live DuckDB connection (for example a pipeline's own). The exporter reads the chosen
         * schemas in one transaction on it and never closes it.
         */
        public Builder sourceConnection(Connection sourceConnection) {
            this.sourceConnection = sourceConnection;
            return this;
        }

        public Builder target(Path target) {
            this.target = target;
            return this;
        }

        /** Replaces the schema list with one schema. */
        public Builder schema(String schema) {
            return schemas(List.of(schema));
        }

        public Builder schemas(List<String> schemas) {
            this.schemas.clear();
            this.schemas.addAll(schemas);
            return this;
        }

        /** At most {@link #MAX_WAIT} (366 days); {@code Duration.ZERO} fails at once when anything is locked. */
        public Builder waitTimeout(Duration waitTimeout) {
            this.waitTimeout = checkWait(waitTimeout);
            return this;
        }

        /**
         * Generations to keep after the publish, the new one included, at least 1; default
         * {@link Publications#DEFAULT_KEEP} (2). See {@link ExportRequest#keep()}.
         */
        public Builder keep(int keep) {
            this.keep = Publications.checkKeep(keep);
            return this;
        }

        /**
         * How long a generation stays after it stopped being current, even beyond {@link #keep(int)},
         * 0 to {@link Publications#MAX_KEEP_FOR}; default 0. See {@link ExportRequest#keepFor()}.
         */
        public Builder keepFor(Duration keepFor) {
            this.keepFor = Publications.checkKeepFor(keepFor);
            return this;
        }

        public Builder progress(Consumer<String> progress) {
            this.progress = Objects.requireNonNull(progress, "progress");
            return this;
        }

        /**
         * DuckDB threads for the copy (fewer leave cores to readers on the same host), 1 to
         * {@link #MAX_THREADS} (4 per core); 0 = all cores.
         */
        public Builder threads(int threads) {
            if (threads < 0 || threads > MAX_THREADS) {
                throw new IllegalArgumentException("--threads (threads) must be 0 (all cores) or 1 to " + MAX_THREADS
                        + " (4 per core of this machine), not " + threads + "; pass a number in that range");
            }
            this.threads = threads;
            return this;
        }

        /**
         * DuckDB memory limit for the copy: a positive size with a unit, {@code 512MB}, {@code 2GB},
         * {@code 1.5GiB} (KB/MB/GB/TB are powers of 1000, KiB/MiB/GiB/TiB of 1024, B is bytes), or a
         * share of the RAM, {@code 50%} (above 0, at most 100); null = DuckDB's default (80% of RAM).
         */
        public Builder memoryLimit(String memoryLimit) {
            this.memoryLimit = memoryLimit == null ? null : checkMemoryLimit(memoryLimit);
            return this;
        }

        /**
         * How long to offer the verified snapshot to watching drivers before the rename, 0 to
         * {@link #MAX_HANDOFF} (10 minutes); default {@link #DEFAULT_HANDOFF} (1 s); {@code Duration.ZERO}
         * publishes at once and makes no handoff link. The exporter holds the target's lock meanwhile;
         * interrupting the exporting thread during the wait fails the export (FAILED, target untouched);
         * a directory that refuses hard links skips the handoff and publishes at once
         * ({@link ExportReport#handoffSkipped()} says why).
         */
        public Builder handoff(Duration handoff) {
            Objects.requireNonNull(handoff, "handoff");
            if (handoff.isNegative() || handoff.compareTo(MAX_HANDOFF) > 0) {
                throw new IllegalArgumentException("--handoff (handoff) must be between 0 (no handoff) and "
                        + Durations.format(MAX_HANDOFF) + " (10 minutes), not " + Durations.format(handoff) + " ("
                        + (handoff.isNegative() ? "negative" : "too long: the exporter holds the target's lock "
                        + "while it waits") + "); give e.g. 1s, 500ms or 0");
            }
            this.handoff = handoff;
            return this;
        }

        /** The limit as DuckDB gets it (stripped), or IllegalArgumentException naming --memory-limit. */
        static String checkMemoryLimit(String value) {
            String limit = value.strip();
            Matcher m = MEMORY_LIMIT.matcher(limit);
            String problem = null;
            if (!m.matches()) {
                problem = limit.startsWith("-") ? "a negative limit, which DuckDB would read as no limit at all"
                        : "not a size";
            } else {
                double number = Double.parseDouble(m.group(1));
                if (number <= 0) {
                    problem = "not above 0";
                } else if (m.group(2).equals("%") && number > 100) {
                    problem = "more than 100% of the RAM";
                }
            }
            if (problem != null) {
                throw new IllegalArgumentException("--memory-limit (memoryLimit) '" + value + "' is " + problem
                        + "; give a positive size with a unit, e.g. 512MB, 2GB, 1.5GiB, or a share of the RAM "
                        + "such as 50%, or leave it out for DuckDB's default (80% of RAM)");
            }
            return limit;
        }

        public ExportRequest build() {
            if ((source == null) == (sourceConnection == null)) {
                throw new IllegalArgumentException(
                        "set exactly one of source(Path) and sourceConnection(Connection)");
            }
            if (target == null && objectTargets.isEmpty()) {
                throw new NullPointerException("target must be set (a local file, or s3:// objectTargets)");
            }
            List<ObjectTarget> objects = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            for (URI uri : objectTargets) {
                ObjectTarget t = ObjectTarget.of(uri);
                if (!seen.add(t.toString())) {
                    throw new IllegalArgumentException("--target " + t + " is given twice; pass each target once");
                }
                objects.add(t);
            }
            if (objects.isEmpty()) {
                String options = (s3.explicitOptions() + (s3PartSizeSet ? " --s3-part-size" : "")
                        + (workDir != null ? " --work-dir" : "")).strip();
                if (!options.isEmpty()) {
                    throw new IllegalArgumentException(options + (options.contains(" ") ? " only apply" : " only applies")
                            + " to s3:// targets, and no --target is one; add --target s3://BUCKET/KEY or leave "
                            + options + " out");
                }
            } else if (workDir != null && target != null) {
                throw new IllegalArgumentException("--work-dir only applies without a local --target (with one, the "
                        + "snapshot is written beside it and that file is uploaded); leave --work-dir out");
            }
            for (String schema : schemas) {
                if (schema == null || schema.isBlank()) {
                    throw new IllegalArgumentException("schema names (--schema) must not be blank: " + schemas
                            + "; name a schema of the source");
                }
            }
            return new ExportRequest(this, objects);
        }
    }
}
