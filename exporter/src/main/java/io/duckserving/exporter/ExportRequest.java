package io.duckserving.exporter;

import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What to export where. Build with {@link #builder()}; exactly one of {@code source(Path)} (a
 * lakehouse file, copied with ATTACH + CREATE TABLE AS) or {@code sourceConnection(Connection)}
 * (a live DuckDB connection, streamed through Arrow C Data) must be set.
 */
public final class ExportRequest {

    public static final String DEFAULT_SCHEMA = "serving";
    public static final Duration DEFAULT_WAIT = Duration.ofSeconds(60);

    private final Path source;
    private final Connection sourceConnection;
    private final Path target;
    private final List<String> schemas;
    private final Duration waitTimeout;
    private final Consumer<String> progress;
    private final int threads;
    private final String memoryLimit;

    private ExportRequest(Builder b) {
        this.source = b.source == null ? null : b.source.toAbsolutePath().normalize();
        this.sourceConnection = b.sourceConnection;
        this.target = b.target.toAbsolutePath().normalize();
        this.schemas = List.copyOf(b.schemas.isEmpty() ? List.of(DEFAULT_SCHEMA) : b.schemas);
        this.waitTimeout = b.waitTimeout;
        this.progress = b.progress;
        this.threads = b.threads;
        this.memoryLimit = b.memoryLimit;
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

    public Path target() {
        return target;
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

    /** DuckDB threads for the copy; 0 = DuckDB's default (all cores). */
    public int threads() {
        return threads;
    }

    /** DuckDB memory limit for the copy ("4GB"), or null for DuckDB's default (80% of RAM). */
    public String memoryLimit() {
        return memoryLimit;
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

        private Builder() {
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

        public Builder waitTimeout(Duration waitTimeout) {
            this.waitTimeout = Objects.requireNonNull(waitTimeout, "waitTimeout");
            return this;
        }

        public Builder progress(Consumer<String> progress) {
            this.progress = Objects.requireNonNull(progress, "progress");
            return this;
        }

        /** DuckDB threads for the copy (fewer leave cores to readers on the same host); 0 = all cores. */
        public Builder threads(int threads) {
            if (threads < 0) {
                throw new IllegalArgumentException("threads must be 0 (all cores) or more, not " + threads);
            }
            this.threads = threads;
            return this;
        }

        /** DuckDB memory limit for the copy, in DuckDB's syntax ("2GB", "512MB"); null = DuckDB's default. */
        public Builder memoryLimit(String memoryLimit) {
            this.memoryLimit = memoryLimit;
            return this;
        }

        public ExportRequest build() {
            if ((source == null) == (sourceConnection == null)) {
                throw new IllegalArgumentException(
                        "set exactly one of source(Path) and sourceConnection(Connection)");
            }
            Objects.requireNonNull(target, "target must be set");
            if (waitTimeout.isNegative()) {
                throw new IllegalArgumentException("waitTimeout must not be negative: " + waitTimeout);
            }
            for (String schema : schemas) {
                if (schema == null || schema.isBlank()) {
                    throw new IllegalArgumentException("schema names (--schema) must not be blank: " + schemas
                            + "; name a schema of the source");
                }
            }
            return new ExportRequest(this);
        }
    }
}
