package io.duckserving.exporter;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The CLI: {@code java -jar duckdb-serving-exporter-<version>-all.jar --source lakehouse.duckdb
 * --target analytics.duckdb [--schema serving]... [--wait 60] [--handoff 1s] [--json]}. Progress goes to
 * standard error, the JSON report to standard output.
 */
@Command(name = "duckdb-serving-export", mixinStandardHelpOptions = true,
        versionProvider = ExportCommand.Version.class, sortOptions = false,
        description = "Copies the serving schemas of a DuckDB lakehouse into a new file and publishes it over "
                + "the target with one atomic rename. Readers using jdbc:duckdb-serving: move to it at their "
                + "next statement.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the snapshot was published",
            "1:the export failed (I/O error, full disk, verification); the target is untouched",
            "2:invalid arguments or request (missing source or schema, catalog clash, target directory)",
            "3:the source stayed locked by a writer for longer than --wait",
            "4:another exporter held the target's lock file for longer than --wait",
            "5:the snapshot was published, but its directory could not be fsynced (not yet durable)"})
public final class ExportCommand implements Callable<Integer> {

    static final long MAX_WAIT_SECONDS = ExportRequest.MAX_WAIT_SECONDS;
    /** {@link ExportRequest#DEFAULT_HANDOFF} as --help shows it (an annotation needs a constant). */
    static final String DEFAULT_HANDOFF = "1s";

    @Option(names = "--source", required = true, paramLabel = "FILE",
            description = "The lakehouse DuckDB file to read (opened read-only).")
    Path source;

    @Option(names = "--target", required = true, paramLabel = "FILE",
            description = "The published snapshot, e.g. /data/analytics.duckdb; its directory must exist.")
    Path target;

    @Option(names = "--schema", paramLabel = "NAME",
            description = "A schema to export (repeat for several). Default: " + ExportRequest.DEFAULT_SCHEMA + ".")
    List<String> schemas = new ArrayList<>();

    @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "60",
            description = "How long to wait in all for another exporter of the same target and then for a source "
                    + "locked by a running pipeline (one budget, at most " + MAX_WAIT_SECONDS + " = 366 days). "
                    + "Default: ${DEFAULT-VALUE}.")
    long waitSeconds;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "DuckDB threads for the copy, 1 to 4 per core of this machine; fewer leave cores to "
                    + "readers on the same host. Default: 0 = all cores.")
    int threads;

    @Option(names = "--memory-limit", paramLabel = "SIZE",
            description = "DuckDB memory limit for the copy: a positive size with a unit (512MB, 2GB, 1.5GiB; "
                    + "KB..TB are powers of 1000, KiB..TiB of 1024) or a share of the RAM (50%%); beyond it DuckDB "
                    + "spills beside the target. Default: DuckDB's (80%% of RAM).")
    String memoryLimit;

    @Option(names = "--handoff", paramLabel = "DURATION", defaultValue = DEFAULT_HANDOFF,
            converter = Durations.Converter.class,
            description = "After the new snapshot is verified, offer it to readers for this long under a name "
                    + "their drivers watch (.<target>.tmp-<id>.handoff, a hard link to the file the rename "
                    + "publishes), so they can open and warm it before it becomes current: 500ms, 2s, 1m or "
                    + "ISO-8601 (PT2S); 0 = publish at once; at most 10m. Default: ${DEFAULT-VALUE}.")
    Duration handoff;

    @Option(names = "--json", description = "Print a JSON report on standard output (also on failure).")
    boolean json;

    @Option(names = {"-q", "--quiet"}, description = "No progress lines on standard error (errors still appear).")
    boolean quiet;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code (tests call this instead of main). */
    static int run(String... args) {
        return new CommandLine(new ExportCommand()).execute(args);
    }

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        ExportRequest request;
        // Every value check lives in ExportRequest, so the library API refuses the same requests.
        try {
            request = ExportRequest.builder()
                    .source(source)
                    .target(target)
                    .schemas(schemas)
                    .waitTimeout(Duration.ofSeconds(waitSeconds))
                    .threads(threads)
                    .memoryLimit(memoryLimit)
                    .handoff(handoff)
                    .progress(line -> {
                        if (!quiet) {
                            err.println("duckdb-serving-export: " + line);
                            err.flush();
                        }
                    })
                    .build();
        } catch (IllegalArgumentException e) {
            return fail(ExportException.Reason.INVALID_REQUEST, e.getMessage());
        }
        try {
            ExportReport report = new Exporter().export(request);
            if (json) {
                printJson(reportJson(report));
            }
            return 0;
        } catch (ExportException e) {
            return fail(e.reason(), e.getMessage());
        } catch (RuntimeException e) {
            // A bug or an unexpected library failure: still one line (and JSON), not a stack trace.
            return fail(ExportException.Reason.FAILED, "unexpected " + e);
        }
    }

    private int fail(ExportException.Reason reason, String fullMessage) {
        // DuckDB's messages span lines ("LINE 1: ...", "Candidate bindings"): the cause stays one line.
        String message = oneLine(fullMessage);
        PrintWriter err = spec.commandLine().getErr();
        err.println("duckdb-serving-export: error: " + message);
        err.flush();
        if (json) {
            ObjectNode node = MAPPER.createObjectNode();
            node.put("status", "failed");
            node.put("reason", reason.name());
            node.put("exit_code", reason.exitCode());
            node.put("error", message);
            printJson(node);
        }
        return reason.exitCode();
    }

    static String oneLine(String message) {
        return String.valueOf(message).strip().replaceAll("\\s*\\R\\s*", " ");
    }

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    static ObjectNode reportJson(ExportReport report) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("status", "ok");
        node.put("publish_id", report.publishId());
        node.put("published_at", report.publishedAt().toString());
        node.put("source", report.source());
        node.put("target", report.target().toString());
        ArrayNode schemas = node.putArray("schemas");
        report.schemas().forEach(schemas::add);
        ArrayNode tables = node.putArray("tables");
        for (Map.Entry<String, Long> e : report.tables().entrySet()) {
            ObjectNode t = tables.addObject();
            t.put("table", e.getKey());
            t.put("rows", e.getValue());
        }
        node.put("total_rows", report.totalRows());
        node.put("bytes", report.bytes());
        node.put("duration_ms", report.duration().toMillis());
        node.put("handoff_ms", report.handoff().toMillis());
        if (report.handoffSkipped() != null) {
            node.put("handoff_skipped", report.handoffSkipped());
        }
        ArrayNode leftovers = node.putArray("leftovers_removed");
        report.leftoversRemoved().forEach(p -> leftovers.add(p.toString()));
        return node;
    }

    private void printJson(ObjectNode node) {
        PrintWriter out = spec.commandLine().getOut();
        try {
            out.println(MAPPER.writeValueAsString(node));
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the JSON report", e);
        }
        out.flush();
    }

    /** The version filtered into version.properties at build time. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties props = new Properties();
            try (InputStream in = ExportCommand.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    props.load(in);
                }
            }
            return new String[] {"duckdb-serving-export " + props.getProperty("version", "unknown")};
        }
    }
}
