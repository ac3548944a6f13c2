package io.duckserving.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Jdbi: a transaction that spans a publish keeps reading the snapshot it started on, so its
 * queries agree with each other; the next handle sees the new run.
 */
public final class JdbiExample {

    public record Result(String url, SnapshotView transactionStart, PublishedLakehouse.Publication published,
            SnapshotView transactionEnd, long originsInTransaction, SnapshotView afterTransaction) {

        public String describe() {
            return "Jdbi on " + url + "\n"
                    + "  transaction begins on  " + transactionStart + "\n"
                    + "  pipeline published run " + published.run().runId() + " as " + published.publishId()
                    + " during the transaction\n"
                    + "  transaction still sees " + transactionEnd + " (" + originsInTransaction + " origins)\n"
                    + "  next handle sees       " + afterTransaction;
        }
    }

    private JdbiExample() {
    }

    public static Result run(Path directory) throws Exception {
        PublishedLakehouse lakehouse = PublishedLakehouse.create(directory);
        Jdbi jdbi = Jdbi.create(lakehouse.servingUrl());
        Result inTransaction = jdbi.inTransaction(handle -> {
            SnapshotView start = current(handle);
            PublishedLakehouse.Publication published = lakehouse.publishNextRun();
            SnapshotView end = current(handle);
            long origins = handle.createQuery("SELECT count(*) FROM serving.origin_summary").mapTo(Long.class).one();
            return new Result(lakehouse.servingUrl(), start, published, end, origins, null);
        });
        SnapshotView after = jdbi.withHandle(JdbiExample::current);
        return new Result(inTransaction.url(), inTransaction.transactionStart(), inTransaction.published(),
                inTransaction.transactionEnd(), inTransaction.originsInTransaction(), after);
    }

    private static SnapshotView current(Handle handle) {
        return handle.createQuery(SnapshotView.SQL).scanResultSet((rs, ctx) -> SnapshotView.from(rs.get()));
    }

    public static void main(String[] args) throws Exception {
        Path directory = Files.createTempDirectory("duckdb-serving-jdbi");
        try {
            System.out.println(run(directory).describe());
        } finally {
            TempFiles.deleteRecursively(directory);
        }
    }
}
