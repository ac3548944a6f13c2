package io.duckserving.exporter;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The CLI: {@code java -jar duckdb-serving-exporter-<version>-all.jar --source lakehouse.duckdb
 * --target analytics.duckdb [--schema serving]... [--wait 60] [--handoff 1s] [--keep 2] [--keep-for 0]
 * [--json]} publishes (no subcommand, so command lines written before the subcommands keep working);
 * {@code history}, {@code rollback} and {@code prune} work on the kept generations ({@link Publications}).
 * Progress goes to standard error, the JSON report to standard output.
 */
@Command(name = "duckdb-serving-export", mixinStandardHelpOptions = true,
        versionProvider = ExportCommand.Version.class, sortOptions = false,
        subcommands = {ExportCommand.HistoryCommand.class, ExportCommand.RollbackCommand.class,
            ExportCommand.PruneCommand.class},
        synopsisSubcommandLabel = "[history | rollback | prune]",
        description = {"Copies the serving schemas of a DuckDB lakehouse into a new file and publishes it over "
                + "the target with one atomic rename. Readers using jdbc:duckdb-serving: move to it at their "
                + "next statement.",
            "",
            "Every publish is kept as a generation: a hard link (no copy) to the published file in "
                + ".<target>.history/<publish id>.duckdb beside the target. After a publish, generations beyond "
                + "both --keep and --keep-for are deleted, oldest first; the current one never is. The "
                + "subcommands list them (history), make an earlier one current again (rollback) and delete "
                + "them (prune); each has its own --help.",
            "",
            "An s3://BUCKET/KEY target (repeat --target: at most one local file plus any number of them) gets "
                + "the verified snapshot as the object KEY/generations/<publish id>.duckdb, then KEY/manifest.json "
                + "is written to make it current (a conditional write: a concurrent publisher makes this run fail "
                + "with exit code 7). Credentials come from the AWS SDK's default chain (AWS_ACCESS_KEY_ID..., "
                + "AWS_PROFILE, instance role); history, rollback and prune take s3:// targets too."},
        exitCodeListHeading = "%nExit codes (publishing; rollback and prune use the same):%n",
        exitCodeList = {
            "0:the snapshot was published",
            "1:the export failed (I/O error, full disk, verification); the target is untouched",
            "2:invalid arguments or request (missing source or schema, catalog clash, target directory)",
            "3:the source stayed locked by a writer for longer than --wait",
            "4:another exporter held the target's lock file for longer than --wait",
"5:the snapshot was published, but its directory could not be fsynced (not yet durable)",
            "6:the local target was published, but an s3:// target was not (the message says which and why)",
            "7:another publisher or rollback changed an s3:// target's manifest.json meanwhile; nothing of this "
                + "run is current there: run again"})
public final class ExportCommand implements Callable<Integer> {

    static final long MAX_WAIT_SECONDS = ExportRequest.MAX_WAIT_SECONDS;
    /** {@link ExportRequest#DEFAULT_HANDOFF} as --help shows it (an annotation needs a constant). */
    static final String DEFAULT_HANDOFF = "1s";

    /** {@link Publications#DEFAULT_KEEP} as --help shows it (an annotation needs a constant). */
    static final String DEFAULT_KEEP = "2";
    /** {@link Publications#DEFAULT_KEEP_FOR} as --help shows it. */
    static final String DEFAULT_KEEP_FOR = "0";
    static final String KEEP_DESCRIPTION = "Generations to keep, the current one included (at least 1). "
            + "Default: ${DEFAULT-VALUE} (the current one and the one before it).";
    static final String KEEP_FOR_DESCRIPTION = "Keep a generation at least this long after it stopped being "
            + "current, even beyond --keep, so readers on other hosts of a shared file system (NFS) finish with "
            + "it: 30m, 24h or ISO-8601 (PT24H); at most 87600h. Default: ${DEFAULT-VALUE}.";

    // Required for publishing only: picocli would also demand them before a subcommand, so call() checks them.
    @Option(names = "--source", paramLabel = "FILE",
            description = "The lakehouse DuckDB file to read (opened read-only). Required.")
    Path source;

    @Option(names = "--target", paramLabel = "FILE|s3://BUCKET/KEY",
            description = "The published snapshot: a local file, e.g. /data/analytics.duckdb (its directory must "
                    + "exist), or an object, e.g. s3://lake/serving/analytics.duckdb. Repeat for several: at most one "
                    + "local file and any number of s3:// targets. Required.")
    List<String> targets = new ArrayList<>();

    @CommandLine.Mixin
    S3Options s3Options;

    @Option(names = "--s3-part-size", paramLabel = "SIZE", converter = ByteSizes.Converter.class,
            description = "Part size of multipart uploads to s3:// targets (a file up to it goes in one PUT): "
                    + "5MiB to 1GiB, e.g. 16MiB, 64MB, or bytes. Default: 16MiB.")
    Long s3PartSize;

    @Option(names = "--work-dir", paramLabel = "DIR",
            description = "With s3:// targets and no local one: where the snapshot is written, sealed and verified "
                    + "before the upload (a subdirectory of its own, removed afterwards). Default: the system temp "
                    + "directory.")
    Path workDir;

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

    @Option(names = "--keep", paramLabel = "N", defaultValue = DEFAULT_KEEP, description = KEEP_DESCRIPTION)
    int keep;

    @Option(names = "--keep-for", paramLabel = "DURATION", defaultValue = DEFAULT_KEEP_FOR,
            converter = Durations.Converter.class, description = KEEP_FOR_DESCRIPTION)
    Duration keepFor;

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
        if (source == null || targets.isEmpty()) {
            // What picocli says for a missing required option, with the usage help and exit code 2.
            throw new CommandLine.ParameterException(spec.commandLine(), "Missing required option"
                    + (source == null && targets.isEmpty() ? "s: '--source=FILE', '--target=FILE'"
                    : source == null ? ": '--source=FILE'" : ": '--target=FILE'")
                    + " (to publish; or give a subcommand: history, rollback, prune)");
        }
        ExportRequest request;
        // Every value check lives in ExportRequest, so the library API refuses the same requests.
        try {
            Path target = null;
            List<URI> objectTargets = new ArrayList<>();
            for (String t : targets) {
                if (ObjectTarget.isObjectUri(t)) {
                    objectTargets.add(ObjectTarget.parse(t).uri());
                } else if (target != null) {
                    throw new IllegalArgumentException("--target is given two local files, " + target + " and " + t
                            + "; give at most one local file (and any number of s3:// targets)");
                } else {
                    target = Path.of(t);
                }
            }
            ExportRequest.Builder builder = ExportRequest.builder()
                    .source(source)
                    .target(target)
                    .objectTargets(objectTargets)
                    .s3(s3Options.settings())
                    .workDir(workDir);
            if (s3PartSize != null) {
                builder.s3PartSize(s3PartSize);
            }
            request = builder
                    .schemas(schemas)
                    .waitTimeout(Duration.ofSeconds(waitSeconds))
                    .threads(threads)
                    .memoryLimit(memoryLimit)
                    .handoff(handoff)
                    .keep(keep)
                    .keepFor(keepFor)
                    .progress(progress(spec, quiet))
                    .build();
        } catch (IllegalArgumentException e) {
            return fail(spec, json, ExportException.Reason.INVALID_REQUEST, e.getMessage());
        }
        try {
            ExportReport report = new Exporter().export(request);
            if (json) {
                printJson(spec, reportJson(report));
            }
            return 0;
        } catch (ExportException e) {
            return fail(spec, json, e.reason(), e.getMessage(), e.report());
        } catch (RuntimeException e) {
            // A bug or an unexpected library failure: still one line (and JSON), not a stack trace.
            return fail(spec, json, ExportException.Reason.FAILED, "unexpected " + e);
        }
    }

    /** Progress lines on standard error, unless quiet. */
    static Consumer<String> progress(CommandLine.Model.CommandSpec spec, boolean quiet) {
        PrintWriter err = spec.commandLine().getErr();
        return line -> {
            if (!quiet) {
                err.println("duckdb-serving-export: " + line);
                err.flush();
            }
        };
    }

    static int fail(CommandLine.Model.CommandSpec spec, boolean json, ExportException.Reason reason,
            String fullMessage) {
        return fail(spec, json, reason, fullMessage, null);
    }

    /** {@code published}: what was published nonetheless, shown under "report" in the JSON. */
    static int fail(CommandLine.Model.CommandSpec spec, boolean json, ExportException.Reason reason,
            String fullMessage, ExportReport published) {
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
            if (published != null) {
                node.set("report", reportJson(published).put("status", "partial"));
            }
            printJson(spec, node);
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
        node.put("target", report.target() == null ? null : report.target().toString());
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
        node.put("generation_kept", report.generationKept() == null ? null : report.generationKept().toString());
        if (report.historySkipped() != null) {
            node.put("history_skipped", report.historySkipped());
        }
        ArrayNode pruned = node.putArray("generations_pruned");
        report.generationsPruned().forEach(pruned::add);
        ArrayNode leftovers = node.putArray("leftovers_removed");
        report.leftoversRemoved().forEach(p -> leftovers.add(p.toString()));
        ArrayNode objects = node.putArray("object_targets");
        for (ObjectPublish o : report.objectTargets()) {
            ObjectNode n = objects.addObject();
            n.put("uri", o.uri().toString());
            n.put("object_key", o.objectKey());
            n.put("bytes", o.bytes());
            n.put("sha256", o.sha256());
            n.put("upload_ms", o.upload().toMillis());
            n.put("made_current_at", o.madeCurrentAt() == null ? null : o.madeCurrentAt().toString());
            n.put("current", o.current());
            ArrayNode p = n.putArray("generations_pruned");
            o.generationsPruned().forEach(p::add);
            if (o.error() != null) {
                n.put("error", oneLine(o.error()));
            }
        }
        return node;
    }

    static ObjectNode historyJson(Publications publications, List<Generation> generations) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("status", "ok");
        node.put("target", publications.targetName());
        node.put("history_directory", publications.generationsLocation());
        node.put("current", generations.stream().filter(Generation::isCurrent).map(Generation::publishId)
                .findFirst().orElse(null));
        ArrayNode list = node.putArray("generations");
        for (Generation g : generations) {
            ObjectNode n = list.addObject();
            n.put("publish_id", g.publishId());
            n.put("current", g.isCurrent());
            n.put("published_at", g.publishedAt() == null ? null : g.publishedAt().toString());
            n.put("not_current_since", g.notCurrentSince() == null ? null : g.notCurrentSince().toString());
            n.put("source", g.source());
            if (g.totalRows() >= 0) {
                n.put("total_rows", g.totalRows());
            } else {
                n.putNull("total_rows");
            }
            n.put("bytes", g.bytes());
            n.put("file", g.location());
            if (g.problem() != null) {
                n.put("problem", g.problem());
            }
        }
        return node;
    }

    static ObjectNode rollbackJson(RollbackReport report) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("status", "ok");
        node.put("target", report.targetName());
        node.put("from_publish_id", report.fromPublishId());
        node.put("to_publish_id", report.toPublishId());
        node.put("file", report.file() != null ? report.file().toString() : String.valueOf(report.object()));
        node.put("changed", report.changed());
        node.put("duration_ms", report.duration().toMillis());
        ArrayNode leftovers = node.putArray("leftovers_removed");
        report.leftoversRemoved().forEach(p -> leftovers.add(p.toString()));
        return node;
    }

    static ObjectNode pruneJson(PruneReport report) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("status", "ok");
        node.put("target", report.targetName());
        ArrayNode kept = node.putArray("kept");
        report.kept().forEach(kept::add);
        ArrayNode pruned = node.putArray("pruned");
        report.pruned().forEach(pruned::add);
        ArrayNode leftovers = node.putArray("leftovers_removed");
        report.leftoversRemoved().forEach(p -> leftovers.add(p.toString()));
        return node;
    }

    static void printJson(CommandLine.Model.CommandSpec spec, ObjectNode node) {
        PrintWriter out = spec.commandLine().getOut();
        try {
            out.println(MAPPER.writeValueAsString(node));
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the JSON report", e);
        }
        out.flush();
    }

    private static final String WAIT_DESCRIPTION = "How long to wait for another exporter of the same target "
            + "(at most " + MAX_WAIT_SECONDS + " = 366 days). Default: ${DEFAULT-VALUE}.";

    /** {@code history --target T [--json]}: the kept generations, oldest publish first. */
    @Command(name = "history", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
            description = "Lists the kept generations of the target, oldest publish first: publish id, time, "
                    + "rows, size, when each stopped being current, source; * marks the current one (the target's "
                    + "file is that generation's file). Reads only: takes no lock and works while an export runs.",
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {
                "0:listed (maybe none)",
                "1:the history directory could not be read",
                "2:invalid arguments (target directory)"})
    static final class HistoryCommand implements Callable<Integer> {

        @Option(names = "--target", required = true, paramLabel = "FILE|s3://BUCKET/KEY",
                description = "The published snapshot, e.g. /data/analytics.duckdb or s3://lake/serving/analytics.duckdb.")
        String target;

        @CommandLine.Mixin
        S3Options s3Options;

        @Option(names = "--json", description = "Print the list as JSON on standard output (also on failure).")
        boolean json;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            Publications publications;
            List<Generation> generations;
            try {
                publications = s3Options.publications(target);
                generations = publications.history();
            } catch (IllegalArgumentException e) {
                return fail(spec, json, ExportException.Reason.INVALID_REQUEST, e.getMessage());
            } catch (ExportException e) {
                return fail(spec, json, e.reason(), e.getMessage());
            } catch (RuntimeException e) {
                return fail(spec, json, ExportException.Reason.FAILED, "unexpected " + e);
            }
            if (json) {
                printJson(spec, historyJson(publications, generations));
            } else {
                PrintWriter out = spec.commandLine().getOut();
                out.print(historyTable(publications, generations));
                out.flush();
            }
            return 0;
        }
    }

    static String historyTable(Publications publications, List<Generation> generations) {
        StringBuilder text = new StringBuilder();
        if (generations.isEmpty()) {
            return text.append("no generations of ").append(publications.targetName()).append(" are kept in ")
                    .append(publications.generationsLocation()).append('\n').toString();
        }
        text.append("generations of ").append(publications.targetName()).append(" kept in ")
                .append(publications.generationsLocation()).append(" (oldest first, * = current):\n");
        String format = "%1s %-23s  %-27s  %13s  %15s  %-27s  %s%n";
        text.append(String.format(Locale.ROOT, format, "", "PUBLISH ID", "PUBLISHED AT", "ROWS", "BYTES",
                "NOT CURRENT SINCE", "SOURCE"));
        for (Generation g : generations) {
            text.append(String.format(Locale.ROOT, format, g.isCurrent() ? "*" : "", g.publishId(),
                    g.publishedAt() == null ? "?" : g.publishedAt(),
                    g.totalRows() < 0 ? "?" : String.format(Locale.ROOT, "%,d", g.totalRows()),
                    String.format(Locale.ROOT, "%,d", g.bytes()),
                    g.notCurrentSince() == null ? (g.isCurrent() ? "-" : "?") : g.notCurrentSince(),
                    g.problem() == null ? g.source() : "cannot be read: " + g.problem()));
        }
        if (generations.stream().noneMatch(Generation::isCurrent)) {
            text.append("the target is none of them (published before generations were kept, or replaced by "
                    + "something else than this exporter)\n");
        }
        return text.toString();
    }

    /** {@code rollback --target T [--to PUBLISH_ID]}: one atomic rename of a hard link to a kept generation. */
    @Command(name = "rollback", mixinStandardHelpOptions = true, versionProvider = Version.class,
            sortOptions = false,
            description = "Makes the generation published just before the current one (or the one given with "
                    + "--to) current again with one atomic rename of a new hard link to it over the target, under "
                    + "the target's lock: nothing is copied, and readers using jdbc:duckdb-serving: move to it at "
                    + "their next statement. Killed at any instant, the target is the old or the new generation; "
                    + "the next run removes what a killed one left.",
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {
                "0:the generation is current (also when it already was)",
                "1:the rollback failed (I/O error, the generation cannot be read); the target is untouched",
                "2:invalid arguments or request (unknown publish id, nothing older kept, target directory); "
                    + "the target is untouched",
                "4:another exporter held the target's lock file for longer than --wait",
                "5:the generation is current, but the directory could not be fsynced (not yet durable)",
                "7:s3:// target: another publisher or rollback changed its manifest.json meanwhile; run again"})
    static final class RollbackCommand implements Callable<Integer> {

        @CommandLine.Mixin
        LockedChange change;

        @Option(names = "--to", paramLabel = "PUBLISH_ID",
                description = "The generation to make current, as 'history' lists it. Default: the one published "
                        + "just before the current one.")
        String to;

        @Override
        public Integer call() {
            return change.run(publications -> rollbackJson(publications.rollback(to)));
        }
    }

    /** {@code prune --target T [--keep N] [--keep-for DURATION]}: the deletion policy, run by hand. */
    @Command(name = "prune", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
            description = "Deletes the kept generations beyond both --keep and --keep-for, oldest first, under the "
                    + "target's lock; the current one never. Generations count from the one current most recently. "
                    + "Every publish does the same with its own --keep and --keep-for.",
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {
                "0:pruned (maybe nothing)",
                "1:the prune failed (I/O error); the next run goes on from where it stopped",
                "2:invalid arguments (--keep, --keep-for, target directory)",
                "4:another exporter held the target's lock file for longer than --wait"})
    static final class PruneCommand implements Callable<Integer> {

        @CommandLine.Mixin
        LockedChange change;

        @Option(names = "--keep", paramLabel = "N", defaultValue = DEFAULT_KEEP, description = KEEP_DESCRIPTION)
        int keep;

        @Option(names = "--keep-for", paramLabel = "DURATION", defaultValue = DEFAULT_KEEP_FOR,
                converter = Durations.Converter.class, description = KEEP_FOR_DESCRIPTION)
        Duration keepFor;

        @Override
        public Integer call() {
            return change.run(publications -> pruneJson(publications.prune(keep, keepFor)));
        }
    }

    /** A change of the target's generations under its lock, and its report. */
    interface Change {
        ObjectNode apply(Publications publications) throws ExportException;
    }

    /**
     * What rollback and prune share: the target, the wait for its lock, the report on standard
     * output and progress on standard error, and the exit codes of publishing.
     */
    static final class LockedChange {

        @Option(names = "--target", required = true, paramLabel = "FILE|s3://BUCKET/KEY",
                description = "The published snapshot, e.g. /data/analytics.duckdb or s3://lake/serving/analytics.duckdb.")
        String target;

        @CommandLine.Mixin
        S3Options s3Options;

        @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "60", description = WAIT_DESCRIPTION)
        long waitSeconds;

        @Option(names = "--json", description = "Print a JSON report on standard output (also on failure).")
        boolean json;

        @Option(names = {"-q", "--quiet"}, description = "No progress lines on standard error (errors still appear).")
        boolean quiet;

        @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
        CommandLine.Model.CommandSpec spec;

        int run(Change change) {
            try {
                ObjectNode report = change.apply(s3Options.publications(target)
                        .waitTimeout(Duration.ofSeconds(waitSeconds))
                        .progress(progress(spec, quiet)));
                if (json) {
                    printJson(spec, report);
                }
                return 0;
            } catch (IllegalArgumentException e) {
                return fail(spec, json, ExportException.Reason.INVALID_REQUEST, e.getMessage());
            } catch (ExportException e) {
                return fail(spec, json, e.reason(), e.getMessage());
            } catch (RuntimeException e) {
                return fail(spec, json, ExportException.Reason.FAILED, "unexpected " + e);
            }
        }
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
