package io.duckserving.examples;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.LocalDate;
import java.util.List;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.tools.jdbc.JDBCUtils;

/**
 * jOOQ with {@code SQLDialect.DUCKDB}. jOOQ guesses a dialect from a JDBC URL and knows only
 * {@code jdbc:duckdb:}; a {@code jdbc:duckdb-serving:} URL gives {@code SQLDialect.DEFAULT},
 * which renders SQL DuckDB may not accept. Give the dialect explicitly:
 * {@code DSL.using(connection, SQLDialect.DUCKDB)} (or {@code spring.jooq.sql-dialect=DUCKDB}).
 */
public final class JooqExample {

    static {
        // jOOQ prints a banner and tips on first use; the example prints its own output.
        System.setProperty("org.jooq.no-logo", "true");
        System.setProperty("org.jooq.no-tips", "true");
    }

    private static final Table<?> PIPELINE_RUN = table(name("serving", "pipeline_run"));
    private static final Table<?> ORIGIN_SUMMARY = table(name("serving", "origin_summary"));
    private static final Field<Integer> RUN_ID = field(name("run_id"), Integer.class);
    private static final Field<LocalDate> AS_OF = field(name("as_of"), LocalDate.class);
    private static final Field<String> ORIGIN = field(name("origin"), String.class);
    private static final Field<BigDecimal> PRICE = field(name("price_usc_lb"), BigDecimal.class);

    public record Result(String url, SQLDialect detectedFromUrl, SQLDialect detectedFromConnection, int runBefore,
            PublishedLakehouse.Publication published, int runAfter, LocalDate asOfAfter, List<String> priciestOrigins, String renderedSql) {

        public String describe() {
            return "jOOQ on " + url + "\n"
                    + "  dialect jOOQ detects from the URL: " + detectedFromUrl + ", from the connection's metadata: "
                    + detectedFromConnection + "; the program passes SQLDialect.DUCKDB\n"
                    + "  before the publish: run " + runBefore + "\n"
                    + "  pipeline published run " + published.run().runId() + " as " + published.publishId() + "\n"
                    + "  after the publish:  run " + runAfter + " as of " + asOfAfter
                    + ", priciest origins " + priciestOrigins + "\n"
                    + "  SQL sent: " + renderedSql;
        }
    }

    private JooqExample() {
    }

    public static Result run(Path directory) throws Exception {
        PublishedLakehouse lakehouse = PublishedLakehouse.create(directory);
        try (Connection connection = DriverManager.getConnection(lakehouse.servingUrl())) {
            SQLDialect fromUrl = JDBCUtils.dialect(lakehouse.servingUrl());
            SQLDialect fromConnection = JDBCUtils.dialect(connection);
            DSLContext ctx = DSL.using(connection, SQLDialect.DUCKDB);
            int before = ctx.select(RUN_ID).from(PIPELINE_RUN).fetchSingle(RUN_ID);
            PublishedLakehouse.Publication published = lakehouse.publishNextRun();
            var after = ctx.select(RUN_ID, AS_OF).from(PIPELINE_RUN).fetchSingle();
            var priciest = ctx.select(ORIGIN).from(ORIGIN_SUMMARY).orderBy(PRICE.desc()).limit(3);
            List<String> origins = priciest.fetch(ORIGIN);
            return new Result(lakehouse.servingUrl(), fromUrl, fromConnection, before, published, after.value1(),
                    after.value2(), origins, priciest.getSQL());
        }
    }

    public static void main(String[] args) throws Exception {
        Path directory = Files.createTempDirectory("duckdb-serving-jooq");
        try {
            System.out.println(run(directory).describe());
        } finally {
            TempFiles.deleteRecursively(directory);
        }
    }
}
