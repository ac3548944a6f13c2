package io.duckserving.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An {@code s3://} target whose keys or content are odd or hostile, against a real S3-compatible
 * server: keys with spaces, '+', '%' and non-ASCII through listing, and what other writers left in
 * the target's objects (a manifest this exporter cannot read, a generation JSON that names an object
 * outside the target).
 */
class ObjectHostileStoreTest extends ObjectStoreTestCase {

    @Override
    int lakehouseDays() {
        return 10;
    }

    private ObjectTarget target(String key) {
        return ObjectTarget.parse("s3://" + bucket + "/" + key);
    }

    /** Publishes, keeping up to 5 generations (the tests prune themselves). */
    private String publish(ObjectTarget target) throws ExportException {
        return publish(target, work);
    }

    private String publish(ObjectTarget target, Path workDir) throws ExportException {
        return new Exporter().export(ExportRequest.builder().source(lake).handoff(Duration.ZERO).workDir(workDir)
                .s3(s3.settings()).objectTargets(List.of(target.uri())).keep(5).build())
                .publishId();
    }

    private Publications publications(ObjectTarget target) {
        return Publications.of(target.uri(), s3.settings());
    }

    @Test
    void aKeyWithSpacesPlusPercentAndUnicodeIsWrittenListedAndPrunedUnderThatVeryKey() throws Exception {
        ObjectTarget target = target("odd prefix+100%/ünï €.duckdb");
        String first = publish(target);
        String second = publish(target);

        assertTrue(s3.exists(bucket, "odd prefix+100%/ünï €.duckdb/manifest.json"), s3.keys(bucket).toString());
        assertEquals(second, s3.json(bucket, target.manifestKey()).get("publish_id").asText());
        List<Generation> history = publications(target).history();
        assertEquals(List.of(first, second), history.stream().map(Generation::publishId).toList());
        assertTrue(history.get(1).isCurrent());
        assertEquals(null, history.get(0).problem());

        PruneReport pruned = publications(target).prune(1, Duration.ZERO);
        assertEquals(List.of(first), pruned.pruned());
        assertFalse(s3.exists(bucket, target.fileKey(first)));
        assertTrue(s3.exists(bucket, target.fileKey(second)));
        assertTrue(s3.keys(bucket).stream().allMatch(k -> k.startsWith("odd prefix+100%/ünï €.duckdb/")),
                s3.keys(bucket).toString());
    }

    private void put(String key, String body) {
        s3.client.putObject(b -> b.bucket(bucket).key(key),
                software.amazon.awssdk.core.sync.RequestBody.fromString(body));
    }

    private String text(String key) {
        return new String(s3.get(bucket, key), java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * A newer exporter rolled back to the first generation and wrote a manifest of a later format:
     * this exporter cannot tell which generation is current, and deleting by its marks alone would
     * delete the one readers follow.
     */
    @Test
    void pruneRefusesToDeleteAnythingWhileManifestJsonCannotBeRead() throws Exception {
        ObjectTarget target = target("analytics.duckdb");
        String first = publish(target);
        String second = publish(target);
        put(target.manifestKey(), text(target.jsonKey(first)).replace("\"format\":1", "\"format\":2"));
        put(target.retiredKey(second), java.time.Instant.now() + "\n");

        ExportException e = assertThrows(ExportException.class, () -> publications(target).prune(1, Duration.ZERO));
        assertEquals(ExportException.Reason.FAILED, e.reason());
        assertTrue(e.getMessage().startsWith("s3://" + bucket + "/analytics.duckdb/manifest.json cannot be read "
                + "(format 2 is not 1 (a newer exporter wrote it") && e.getMessage().contains("nothing was pruned"),
                e.getMessage());
        assertTrue(s3.exists(bucket, target.fileKey(first)), "the generation manifest.json names is kept");
        assertTrue(s3.exists(bucket, target.fileKey(second)));
    }

    /** A rollback writes the generation's JSON as manifest.json: readers would follow its object_key anywhere. */
    @Test
    void rollbackRefusesAGenerationWhoseJsonNamesAnObjectOutsideTheTarget() throws Exception {
        ObjectTarget target = target("analytics.duckdb");
        String first = publish(target);
        String second = publish(target);
        put("elsewhere/secret.duckdb", "not a snapshot");
        put(target.jsonKey(first), text(target.jsonKey(first)).replace(target.fileKey(first), "elsewhere/secret.duckdb"));

        ExportException e = assertThrows(ExportException.class, () -> publications(target).rollback(first));
        assertEquals(ExportException.Reason.FAILED, e.reason());
        assertTrue(e.getMessage().contains("its manifest names the object s3://" + bucket + "/elsewhere/secret.duckdb, "
                + "not s3://" + bucket + "/" + target.fileKey(first)), e.getMessage());
        assertEquals(second, s3.json(bucket, target.manifestKey()).get("publish_id").asText(), "manifest untouched");
        assertTrue(publications(target).history().get(0).problem().contains("elsewhere/secret.duckdb"));
    }

    /**
     * A rollback on another host between a prune's listing and its deletions: the generation it makes
     * current is not deleted (prune checks manifest.json and the mark again right before each one).
     */
    @Test
    void aRollbackToAGenerationThatAConcurrentPruneIsAboutToDeleteKeepsIt() throws Exception {
        ObjectTarget target = target("analytics.duckdb");
        String first = publish(target);
        String second = publish(target);
        String third = publish(target);
        String[] rolledBack = new String[1];
        java.util.function.Consumer<String> rollbackAfterFirstDeletion = line -> {
            if (line.startsWith("pruned generation " + first) && rolledBack[0] == null) {
                try {
                    rolledBack[0] = publications(target).rollback(second).toPublishId();
                } catch (ExportException ex) {
                    throw new AssertionError(ex);
                }
            }
        };
        PruneReport report = publications(target).progress(rollbackAfterFirstDeletion).prune(1, Duration.ZERO);

        assertEquals(second, rolledBack[0]);
        assertEquals(List.of(first), report.pruned());
        assertEquals(second, s3.json(bucket, target.manifestKey()).get("publish_id").asText());
        assertTrue(s3.exists(bucket, target.fileKey(second)), "the current generation's object is kept");
        assertTrue(s3.exists(bucket, target.jsonKey(second)));
        assertTrue(s3.exists(bucket, target.fileKey(third)));
    }

    /**
     * The default work directory is the system temp directory, which every user can write: only
     * directories of our own runs (our owner, writable by it alone) are removed as leftovers.
     */
    @Test
    void leftoverRemovalDeletesOnlyPrivateDirectoriesOfThisUser() throws Exception {
        java.util.Set<java.nio.file.attribute.PosixFilePermission> ownerOnly =
                java.nio.file.attribute.PosixFilePermissions.fromString("rwx------");
        Path abandoned = Files.createDirectory(work.resolve(ObjectExport.WORK_PREFIX + "abandoned"));
        Files.setPosixFilePermissions(abandoned, ownerOnly);
        Files.writeString(abandoned.resolve("analytics.duckdb.lock"), "");
        Path shared = Files.createDirectory(work.resolve(ObjectExport.WORK_PREFIX + "planted"));
        Files.setPosixFilePermissions(shared, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.writeString(shared.resolve("analytics.duckdb.lock"), "");
        Files.writeString(shared.resolve("someone-elses.txt"), "kept");
        Path othersOwn = Files.createDirectory(work.resolve(ObjectExport.WORK_PREFIX + "another-user"));
        Files.setPosixFilePermissions(othersOwn, ownerOnly);
        Files.writeString(othersOwn.resolve("analytics.duckdb.lock"), "");
        boolean root = "root".equals(Files.getOwner(othersOwn).getName());
        if (root) {
            Files.setAttribute(othersOwn, "unix:uid", 65534, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        }

        publish(target("analytics.duckdb"));

        assertFalse(Files.exists(abandoned), "a killed run's directory is removed");
        assertTrue(Files.exists(shared.resolve("someone-elses.txt")), "a directory others can write is left alone");
        assertTrue(Files.exists(othersOwn.resolve("analytics.duckdb.lock")));
        org.junit.jupiter.api.Assumptions.assumeTrue(root, "only root can give a directory to another user: "
                + "the other user's directory was this user's own here, so its check proved nothing");
    }

    /**
     * A work directory on a full file system (a 1 MiB tmpfs, mounted here as root): the export fails
     * naming the problem, removes its subdirectory, and manifest.json stays as it was.
     */
    @Test
    void aFullWorkDirectoryFailsTheExportCleanlyAndLeavesTheTargetAsItWas() throws Exception {
        ObjectTarget target = target("analytics.duckdb");
        String before = publish(target);
        Path tiny = Files.createDirectory(dir.resolve("tiny"));
        boolean mounted = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", tiny.toString())
                .redirectErrorStream(true).start().waitFor() == 0;
        org.junit.jupiter.api.Assumptions.assumeTrue(mounted, "cannot mount a tmpfs here (not root?): no full disk");
        try {
            Lakehouse.create(lake = dir.resolve("bigger.duckdb"), 100_000);
            ExportException e = assertThrows(ExportException.class, () -> new Exporter().export(ExportRequest
                    .builder().source(lake).handoff(Duration.ZERO).workDir(tiny).s3(s3.settings())
                    .objectTargets(List.of(target.uri())).build()));
            assertEquals(ExportException.Reason.FAILED, e.reason(), e.getMessage());
            assertEquals(1, e.getMessage().lines().count(), e.getMessage());
            try (var left = Files.list(tiny)) {
                assertEquals(List.of(), left.toList(), "the work subdirectory is removed");
            }
            assertEquals(before, s3.json(bucket, target.manifestKey()).get("publish_id").asText());
            assertTrue(e.getMessage().contains("No space left on device") && e.getMessage().contains(tiny.toString()),
                    e.getMessage());
        } finally {
            new ProcessBuilder("umount", tiny.toString()).inheritIO().start().waitFor();
        }
    }

    @Test
    void aWorkDirectoryThatIsAFileIsRefusedNamingItAndASymbolicLinkToOneWorks() throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-dir"), "");
        ExportException e = assertThrows(ExportException.class, () -> new Exporter().export(ExportRequest.builder()
                .source(lake).workDir(file).s3(s3.settings()).objectTargets(List.of(target("a.duckdb").uri())).build()));
        assertEquals(ExportException.Reason.INVALID_REQUEST, e.reason());
        assertTrue(e.getMessage().equals("the work directory " + file + " (--work-dir) is not a directory; create it "
                + "or choose another one"), e.getMessage());
        Path link = Files.createSymbolicLink(dir.resolve("link"), work);
        publish(target("b.duckdb"), link);
        try (var left = Files.list(work)) {
            assertEquals(List.of(), left.toList(), "a symbolic link to a directory works, and is cleaned up");
        }
    }

    /**
     * No credentials anywhere the SDK's chain looks (this test JVM has none in its environment or
     * profile; the fixture's system properties are taken away): one line that says what to set, exit
     * code 1, and the secret of a wrong key never printed.
     */
    @Test
    void noCredentialsAtAllIsOneLineSayingWhatToSetAndNoSecretIsEverPrinted() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("AWS_ACCESS_KEY_ID") == null
                && System.getenv("AWS_PROFILE") == null && !Files.exists(Path.of(System.getProperty("user.home"), ".aws")),
                "this environment has AWS credentials of its own");
        String id = System.clearProperty("aws.accessKeyId");
        String secret = System.clearProperty("aws.secretAccessKey");
        CliRun none;
        CliRun wrong;
        try {
            none = CliRun.of("--source", lake.toString(), "--target", "s3://" + bucket + "/a.duckdb",
                    "--s3-endpoint", s3.server.endpoint().toString(), "--s3-path-style", "--work-dir", work.toString(),
                    "--handoff", "0");
            System.setProperty("aws.accessKeyId", id);
            System.setProperty("aws.secretAccessKey", "wrong-secret-1234567890");
            wrong = CliRun.of("history", "--target", "s3://" + bucket + "/a.duckdb", "--s3-endpoint",
                    s3.server.endpoint().toString(), "--s3-path-style", "--json");
        } finally {
            System.setProperty("aws.accessKeyId", id);
            System.setProperty("aws.secretAccessKey", secret);
        }
        assertEquals(1, none.exitCode(), none.stderr());
        String error = none.stderr().lines().filter(l -> l.contains("error:")).findFirst().orElse("");
        assertTrue(error.contains("no AWS credentials found") && error.contains("set AWS_ACCESS_KEY_ID"), none.stderr());
        assertFalse(none.stderr().contains("\tat "), "no stack trace: " + none.stderr());
        assertEquals(1, wrong.exitCode(), wrong.stderr());
        assertFalse((wrong.stderr() + wrong.stdout()).contains("wrong-secret"), wrong.stderr() + wrong.stdout());
        assertEquals(List.of(), s3.keys(bucket));
    }

    /**
     * The store applies the manifest PUT and its answer is lost (every attempt's, so the SDK's retry
     * does not help): manifest.json names the generation, so it is published, not a failure.
     */
    @Test
    void aManifestPutWhoseAnswerIsLostButWhichTheStoreAppliedCountsAsDone() throws Exception {
        ObjectTarget target = target("analytics.duckdb");
        String first = publish(target);
        software.amazon.awssdk.core.interceptor.ExecutionInterceptor loseManifestAnswers =
                new software.amazon.awssdk.core.interceptor.ExecutionInterceptor() {
                    @Override
                    public void afterTransmission(software.amazon.awssdk.core.interceptor.Context.AfterTransmission c,
                            software.amazon.awssdk.core.interceptor.ExecutionAttributes a) {
                        if (c.request() instanceof software.amazon.awssdk.services.s3.model.PutObjectRequest put
                                && put.key().endsWith("/manifest.json")) {
                            throw software.amazon.awssdk.core.exception.SdkClientException.create(
                                    "Connection reset (the answer was lost)");
                        }
                    }
                };
        try (software.amazon.awssdk.services.s3.S3Client client = software.amazon.awssdk.services.s3.S3Client.builder()
                .endpointOverride(s3.server.endpoint()).region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .forcePathStyle(true).overrideConfiguration(o -> o.addExecutionInterceptor(loseManifestAnswers))
                .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create()).build()) {
            ObjectStore store = new ObjectStore(client, target);
            ObjectStore.Current read = store.readManifest();
            ObjectManifest second = ObjectManifest.parse(s3.get(bucket, target.jsonKey(first)));
            String id = "20261201T000000Z-0a0b0c";
            ObjectManifest mine = new ObjectManifest(id, target.fileKey(id), second.size(), second.sha256(),
                    second.publishedAt(), second.source(), second.tables());

            store.putManifest(mine.toBytes(), read, id);
        }
        assertEquals("20261201T000000Z-0a0b0c", s3.json(bucket, target.manifestKey()).get("publish_id").asText());
    }

    /**
     * A listing that names keys outside the prefix asked for (a broken or hostile store): they are
     * ignored, where the history failed on them; and whatever a target's publish throws, a local
     * target that was published is reported so (exit code 6), with the other target still tried.
     */
    @Test
    void aListingWithKeysOutsideThePrefixIsIgnoredAndAnyFailureAfterALocalPublishIsExitCode6() throws Exception {
        ObjectTarget target = target("analytics.duckdb");
        String first = publish(target);
        software.amazon.awssdk.core.interceptor.ExecutionInterceptor foreignKeys =
                new software.amazon.awssdk.core.interceptor.ExecutionInterceptor() {
                    @Override
                    public software.amazon.awssdk.core.SdkResponse modifyResponse(
                            software.amazon.awssdk.core.interceptor.Context.ModifyResponse c,
                            software.amazon.awssdk.core.interceptor.ExecutionAttributes a) {
                        if (c.response() instanceof software.amazon.awssdk.services.s3.model.ListObjectsV2Response r) {
                            List<software.amazon.awssdk.services.s3.model.S3Object> contents =
                                    new java.util.ArrayList<>(r.contents());
                            contents.add(software.amazon.awssdk.services.s3.model.S3Object.builder().key("x").size(1L)
                                    .build());
                            return r.toBuilder().contents(contents).build();
                        }
                        return c.response();
                    }
                };
        try (software.amazon.awssdk.services.s3.S3Client client = software.amazon.awssdk.services.s3.S3Client.builder()
                .endpointOverride(s3.server.endpoint()).region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .forcePathStyle(true).overrideConfiguration(o -> o.addExecutionInterceptor(foreignKeys))
                .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create()).build()) {
            List<Generation> history = new ObjectPublications(new ObjectStore(client, target), line -> { },
                    java.time.Clock.systemUTC()).history();
            assertEquals(List.of(first), history.stream().map(Generation::publishId).toList());
        }

        // The unexpected, simulated by a progress callback that throws while the first target uploads.
        Path local = dir.resolve("analytics.duckdb");
        ObjectTarget broken = target("broken.duckdb");
        java.util.function.Consumer<String> throwing = line -> {
            if (line.startsWith("uploading ") && line.contains("/broken.duckdb/")) {
                throw new IllegalStateException("a surprise");
            }
        };
        ExportException e = assertThrows(ExportException.class, () -> new Exporter().export(ExportRequest.builder()
                .source(lake).target(local).handoff(Duration.ZERO).s3(s3.settings()).progress(throwing)
                .objectTargets(List.of(broken.uri(), target.uri())).build()));
        assertTrue(e.getMessage().contains("cannot publish to s3://" + bucket + "/broken.duckdb: unexpected "
                + "java.lang.IllegalStateException: a surprise"), e.getMessage());
        assertEquals(ExportException.Reason.PUBLISHED_LOCALLY_ONLY, e.reason(), e.getMessage());
        assertTrue(e.report().objectTargets().get(1).current(), "the other target is still published");
    }

    /**
     * The source description is the source connection's JDBC URL: it goes into manifest.json, which
     * every reader host (and anyone who may read the bucket) reads, so its secrets are hidden.
     */
    @Test
    void aPasswordInTheSourceConnectionsUrlNeverReachesTheManifest() throws Exception {
        assertEquals("jdbc:postgresql://db:5432/lake?user=etl&password=***&sslmode=require", ArrowCopy.redactedUrl(
                "jdbc:postgresql://db:5432/lake?user=etl&password=hunter2&sslmode=require"));
        assertEquals("jdbc:sqlserver://db:1433;databaseName=lake;user=etl;password=***;encrypt=true",
                ArrowCopy.redactedUrl("jdbc:sqlserver://db:1433;databaseName=lake;user=etl;password=hunter2;encrypt=true"));
        assertEquals("jdbc:mysql://***@db/lake", ArrowCopy.redactedUrl("jdbc:mysql://etl:hunter2@db/lake"));
        assertEquals("jdbc:oracle:thin:***@db:1521:lake", ArrowCopy.redactedUrl("jdbc:oracle:thin:etl/hunter2@db:1521:lake"));
        assertEquals("jdbc:snowflake://x.snowflakecomputing.com/?private_key_file_pwd=***&token=***",
                ArrowCopy.redactedUrl("jdbc:snowflake://x.snowflakecomputing.com/?private_key_file_pwd=a&token=b"));

        String url = "jdbc:postgresql://db:5432/lake?user=etl&password=hunter2&sslmode=require";
        try (java.sql.Connection real = Lakehouse.open(lake, true)) {
            java.sql.DatabaseMetaData realMeta = real.getMetaData();
            java.sql.DatabaseMetaData meta = proxy(java.sql.DatabaseMetaData.class, realMeta, "getURL", url);
            java.sql.Connection source = proxy(java.sql.Connection.class, real, "getMetaData", meta);
            ObjectTarget target = target("analytics.duckdb");
            ExportReport report = new Exporter().export(ExportRequest.builder().sourceConnection(source)
                    .handoff(Duration.ZERO).workDir(work).s3(s3.settings()).objectTargets(List.of(target.uri())).build());
            assertEquals("jdbc:postgresql://db:5432/lake?user=etl&password=***&sslmode=require", report.source());
            assertFalse(text(target.manifestKey()).contains("hunter2"), text(target.manifestKey()));
        }
    }

    /** {@code real} with one method answering {@code value}. */
    private static <T> T proxy(Class<T> type, T real, String method, Object value) {
        return type.cast(java.lang.reflect.Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                (p, m, args) -> {
                    if (m.getName().equals(method) && (args == null || args.length == 0)) {
                        return value;
                    }
                    try {
                        return m.invoke(real, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                }));
    }

    /**
     * A store answers at most 1000 unfinished uploads per listing: those on later pages are aborted
     * too (simulated: the first page is made empty and truncated, as when 1000 others come first).
     */
    @Test
    void staleMultipartUploadsOnALaterPageOfTheListingAreAbortedToo() throws Exception {
        ObjectTarget target = target("analytics.duckdb");
        String key = target.fileKey("20250101T000000Z-abcdef");
        s3.client.createMultipartUpload(b -> b.bucket(bucket).key(key));
        software.amazon.awssdk.core.interceptor.ExecutionInterceptor firstPageEmpty =
                new software.amazon.awssdk.core.interceptor.ExecutionInterceptor() {
                    @Override
                    public software.amazon.awssdk.core.SdkResponse modifyResponse(
                            software.amazon.awssdk.core.interceptor.Context.ModifyResponse c,
                            software.amazon.awssdk.core.interceptor.ExecutionAttributes a) {
                        if (c.response() instanceof software.amazon.awssdk.services.s3.model.ListMultipartUploadsResponse r
                                && ((software.amazon.awssdk.services.s3.model.ListMultipartUploadsRequest) c.request())
                                        .keyMarker() == null) {
                            return r.toBuilder().uploads(List.of()).isTruncated(true).nextKeyMarker("a")
                                    .nextUploadIdMarker("0").build();
                        }
                        return c.response();
                    }
                };
        try (software.amazon.awssdk.services.s3.S3Client client = software.amazon.awssdk.services.s3.S3Client.builder()
                .endpointOverride(s3.server.endpoint()).region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .forcePathStyle(true).overrideConfiguration(o -> o.addExecutionInterceptor(firstPageEmpty))
                .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create()).build()) {
            List<String> aborted = new ObjectStore(client, target).abortStaleUploads(
                    java.time.Instant.now().plusSeconds(1), line -> { });
            assertEquals(List.of(key), aborted);
        }
        assertEquals(List.of(), s3.client.listMultipartUploads(b -> b.bucket(bucket)).uploads());
    }

    /**
     * A store (or a proxy in front of it) that answers 200 to the manifest PUT but keeps nothing at
     * that key (simulated: the request is sent to another key): the run fails, where it reported a
     * generation current that no reader ever sees.
     */
    @Test
    void aManifestPutThatTheStoreAnswersButDoesNotKeepFailsTheRun() throws Exception {
        ObjectTarget target = target("analytics.duckdb");
        String first = publish(target);
        software.amazon.awssdk.core.interceptor.ExecutionInterceptor misdirect =
                new software.amazon.awssdk.core.interceptor.ExecutionInterceptor() {
                    @Override
                    public software.amazon.awssdk.http.SdkHttpRequest modifyHttpRequest(
                            software.amazon.awssdk.core.interceptor.Context.ModifyHttpRequest c,
                            software.amazon.awssdk.core.interceptor.ExecutionAttributes a) {
                        software.amazon.awssdk.http.SdkHttpRequest r = c.httpRequest();
                        return r.method() == software.amazon.awssdk.http.SdkHttpMethod.PUT
                                && r.encodedPath().endsWith("/manifest.json")
                                ? r.toBuilder().encodedPath(r.encodedPath() + "-dropped").removeHeader("If-Match")
                                .build() : r;
                    }
                };
        try (software.amazon.awssdk.services.s3.S3Client client = software.amazon.awssdk.services.s3.S3Client.builder()
                .endpointOverride(s3.server.endpoint()).region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .forcePathStyle(true).overrideConfiguration(o -> o.addExecutionInterceptor(misdirect))
                .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create()).build()) {
            ObjectStore store = new ObjectStore(client, target);
            ObjectManifest manifest = ObjectManifest.parse(s3.get(bucket, target.jsonKey(first)));
            String id = "20261201T000000Z-0a0b0c";
            ObjectManifest mine = new ObjectManifest(id, target.fileKey(id), manifest.size(), manifest.sha256(),
                    manifest.publishedAt(), manifest.source(), manifest.tables());
            ExportException e = assertThrows(ExportException.class,
                    () -> store.putManifest(mine.toBytes(), store.readManifest(), id));
            assertTrue(e.getMessage().startsWith("the store accepted the write of s3://" + bucket
                    + "/analytics.duckdb/manifest.json but reading it back gives " + first + ", not " + id),
                    e.getMessage());
        }
        assertTrue(s3.exists(bucket, target.manifestKey() + "-dropped"), "the simulation sent it elsewhere");
    }

    /**
     * The generation's upload answered 200 but kept nowhere under its key (simulated: sent to another
     * key): the run fails saying so, where it said only "HTTP 404 NoSuchKey ... check the store".
     */
    @Test
    void anUploadTheStoreAnswersButDoesNotKeepFailsSayingSo() throws Exception {
        ObjectTarget target = target("analytics.duckdb");
        software.amazon.awssdk.core.interceptor.ExecutionInterceptor misdirect =
                new software.amazon.awssdk.core.interceptor.ExecutionInterceptor() {
                    @Override
                    public software.amazon.awssdk.http.SdkHttpRequest modifyHttpRequest(
                            software.amazon.awssdk.core.interceptor.Context.ModifyHttpRequest c,
                            software.amazon.awssdk.core.interceptor.ExecutionAttributes a) {
                        software.amazon.awssdk.http.SdkHttpRequest r = c.httpRequest();
                        return r.method() == software.amazon.awssdk.http.SdkHttpMethod.PUT
                                && r.encodedPath().endsWith(".duckdb")
                                ? r.toBuilder().encodedPath(r.encodedPath() + "-dropped").build() : r;
                    }
                };
        Path file = Files.write(dir.resolve("snapshot.duckdb"), new byte[1000]);
        try (software.amazon.awssdk.services.s3.S3Client client = software.amazon.awssdk.services.s3.S3Client.builder()
                .endpointOverride(s3.server.endpoint()).region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .forcePathStyle(true).overrideConfiguration(o -> o.addExecutionInterceptor(misdirect))
                .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create()).build()) {
            String id = "20261201T000000Z-0a0b0c";
            ExportException e = assertThrows(ExportException.class, () -> new ObjectStore(client, target)
                    .uploadFile(file, id, ObjectStore.DEFAULT_PART_SIZE, line -> { }));
            assertTrue(e.getMessage().startsWith("the store accepted the upload of s3://" + bucket + "/"
                    + target.fileKey(id) + " but does not have it"), e.getMessage());
        }
    }

    /**
     * A prune on another host deletes the generation a rollback chose just as the rollback rewrites
     * manifest.json (simulated: deleted right before the manifest PUT goes out): the rollback fails
     * and puts manifest.json back, where it left it naming a missing object.
     */
    @Test
    void aRollbackWhoseGenerationIsDeletedAsItBecomesCurrentPutsTheManifestBack() throws Exception {
        ObjectTarget target = target("analytics.duckdb");
        String first = publish(target);
        String second = publish(target);
        software.amazon.awssdk.core.interceptor.ExecutionInterceptor pruneMeanwhile =
                new software.amazon.awssdk.core.interceptor.ExecutionInterceptor() {
                    @Override
                    public void beforeExecution(software.amazon.awssdk.core.interceptor.Context.BeforeExecution c,
                            software.amazon.awssdk.core.interceptor.ExecutionAttributes a) {
                        if (c.request() instanceof software.amazon.awssdk.services.s3.model.PutObjectRequest put
                                && put.key().equals(target.manifestKey())) {
                            s3.client.deleteObject(b -> b.bucket(bucket).key(target.fileKey(first)));
                        }
                    }
                };
        try (software.amazon.awssdk.services.s3.S3Client client = software.amazon.awssdk.services.s3.S3Client.builder()
                .endpointOverride(s3.server.endpoint()).region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .forcePathStyle(true).overrideConfiguration(o -> o.addExecutionInterceptor(pruneMeanwhile))
                .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create()).build()) {
            ObjectPublications publications = new ObjectPublications(new ObjectStore(client, target), line -> { },
                    java.time.Clock.systemUTC());
            ExportException e = assertThrows(ExportException.class, () -> publications.rollback(first));
            assertTrue(e.getMessage().contains("was deleted meanwhile (a prune on another host?) as it became "
                    + "current; manifest.json is put back as it was"), e.getMessage());
        }
        assertEquals(second, s3.json(bucket, target.manifestKey()).get("publish_id").asText());
    }
}
