package io.duckserving.exporter;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The S3 requests on one {@link ObjectTarget}, each failure turned into an {@link ExportException}
 * that names the bucket and key and says what to do. Uploads are plain PutObject, or
 * CreateMultipartUpload / UploadPart / CompleteMultipartUpload for files beyond the part size
 * (aborted on any failure); the SHA-256 of the file is computed while it is read for the upload.
 */
final class ObjectStore {

    /** S3's smallest part (all but the last). */
    static final long MIN_PART_SIZE = 5L * 1024 * 1024;
    /** Parts are read into memory one at a time: a bound far below the array limit. */
    static final long MAX_PART_SIZE = 1024L * 1024 * 1024;
    static final long DEFAULT_PART_SIZE = 16L * 1024 * 1024;
    /** S3's most parts in one upload: a bigger file gets bigger parts. */
    static final int MAX_PARTS = 10_000;

    /**
     * Every request but the upload of a part or file, retries included. The HTTP client's socket
     * timeout only fires when nothing flows: a store that trickles a byte now and then, or stops
     * reading what is sent, would otherwise hold the exporter for ever.
     */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    /** An upload of a part or file gets {@link #REQUEST_TIMEOUT} plus its size at this pace (2 Mbit/s). */
    static final long MIN_BYTES_PER_SECOND = 256 * 1024;
    /** A manifest, generation JSON or mark is a few hundred bytes: anything past this is not read into memory. */
    static final int MAX_SMALL_OBJECT_BYTES = 1 << 20;

    private final S3Client s3;
    private final ObjectTarget target;
    private final Duration requestTimeout;
    private final long minBytesPerSecond;
    private final int maxSmallObjectBytes;

    ObjectStore(S3Client s3, ObjectTarget target) {
        this(s3, target, REQUEST_TIMEOUT, MIN_BYTES_PER_SECOND, MAX_SMALL_OBJECT_BYTES);
    }

    /** With other limits: for tests that must not wait a minute for a hung store. */
    ObjectStore(S3Client s3, ObjectTarget target, Duration requestTimeout, long minBytesPerSecond,
            int maxSmallObjectBytes) {
        this.s3 = s3;
        this.target = target;
        this.requestTimeout = requestTimeout;
        this.minBytesPerSecond = minBytesPerSecond;
        this.maxSmallObjectBytes = maxSmallObjectBytes;
    }

    private void small(AwsRequestOverrideConfiguration.Builder o) {
        o.apiCallTimeout(requestTimeout);
    }

    private Duration uploadTimeout(long bytes) {
        return requestTimeout.plusMillis(bytes * 1000 / minBytesPerSecond);
    }

    ObjectTarget target() {
        return target;
    }

    /** manifest.json as read, with the ETag a conditional PUT names; null when there is none. */
    record Current(byte[] json, String etag, ObjectManifest manifest, String problem) {
    }

    Current readManifest() throws ExportException {
        String key = target.manifestKey();
        String[] etag = new String[1];
        byte[] json = getSmall(key, etag);
        if (json == null) {
            return null;
        }
        try {
            return new Current(json, etag[0], ObjectManifest.parse(json), null);
        } catch (IOException e) {
            return new Current(json, etag[0], null, e.getMessage());
        }
    }

    /**
     * A manifest, generation JSON or mark: null when absent, its ETag in {@code etag[0]}. Streamed and
     * capped: a huge object there is refused, not read into memory.
     */
    private byte[] getSmall(String key, String[] etag) throws ExportException {
        try {
            return s3.getObject(b -> b.bucket(target.bucket()).key(key).overrideConfiguration(this::small),
                    (response, in) -> {
                        Long length = response.contentLength();
                        byte[] body = length != null && length > maxSmallObjectBytes ? null
                                : in.readNBytes(maxSmallObjectBytes + 1);
                        if (body == null || body.length > maxSmallObjectBytes) {
                            throw new TooLarge(length);
                        }
                        etag[0] = response.eTag();
                        return body;
                    });
        } catch (NoSuchKeyException e) {
            return null;
        } catch (SdkException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof TooLarge tooLarge) {
                    throw new ExportException(ExportException.Reason.FAILED, target.uriOf(key) + " is larger than the "
                            + maxSmallObjectBytes + " bytes it may have (" + (tooLarge.length == null
                            ? "no length given, and more arrived" : tooLarge.length + " bytes") + "): not read; this "
                            + "exporter did not write it. Delete or replace it, then run again", e);
                }
            }
            throw failure("read", key, e);
        }
    }

    /** Thrown by the reader of a small object, so it can be told from the client's own IOExceptions. */
    private static final class TooLarge extends IOException {
        final Long length;

        TooLarge(Long length) {
            super("too large");
            this.length = length;
        }
    }

    /** What an upload stored: its size and the SHA-256 of the bytes read from the file. */
    record Uploaded(String key, long bytes, String sha256, long millis, int parts) {
    }

    Uploaded uploadFile(Path file, String publishId, long partSize, Consumer<String> progress)
            throws ExportException {
        String key = target.fileKey(publishId);
        long start = System.nanoTime();
        MessageDigest sha = sha256();
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new ExportException(ExportException.Reason.FAILED, "cannot read the size of " + file + ": " + e, e);
        }
        long part = Math.max(partSize, (size + MAX_PARTS - 1) / MAX_PARTS);
        int parts;
        try (InputStream in = Files.newInputStream(file)) {
            if (size <= part) {
                byte[] body = in.readAllBytes();
                sha.update(body);
                put(key, body, null, uploadTimeout(body.length));
                parts = 1;
            } else {
                parts = uploadParts(in, key, size, part, sha, progress);
            }
        } catch (IOException e) {
            throw new ExportException(ExportException.Reason.FAILED, "cannot read " + file + " for the upload to "
                    + target.uriOf(key) + ": " + e, e);
        }
        long stored = storedSize(key);
        if (stored != size) {
            throw new ExportException(ExportException.Reason.FAILED, "uploaded " + size + " bytes of " + file + " to "
                    + target.uriOf(key) + " but the store holds " + stored + "; nothing was made current, run again");
        }
        return new Uploaded(key, size, HexFormat.of().formatHex(sha.digest()),
                (System.nanoTime() - start) / 1_000_000, parts);
    }

    private int uploadParts(InputStream in, String key, long size, long partSize, MessageDigest sha,
            Consumer<String> progress) throws IOException, ExportException {
        String uploadId;
        try {
            uploadId = s3.createMultipartUpload(b -> b.bucket(target.bucket()).key(key)
                    .overrideConfiguration(this::small)).uploadId();
        } catch (SdkException e) {
            throw failure("start a multipart upload of", key, e);
        }
        int count = (int) ((size + partSize - 1) / partSize);
        byte[] buffer = new byte[(int) partSize];
        List<CompletedPart> done = new ArrayList<>();
        boolean completed = false;
        try {
            for (int n = 1; n <= count; n++) {
                int read = in.readNBytes(buffer, 0, buffer.length);
                if (read == 0) {
                    throw new IOException("the file ended before part " + n + " of " + count);
                }
                sha.update(buffer, 0, read);
                int partNumber = n;
                String etag;
                try {
                    etag = s3.uploadPart(b -> b.bucket(target.bucket()).key(key).uploadId(uploadId)
                            .partNumber(partNumber).contentLength((long) read)
                            .overrideConfiguration(o -> o.apiCallTimeout(uploadTimeout(read))),
                            RequestBody.fromBytes(read == buffer.length ? buffer : java.util.Arrays.copyOf(buffer, read)))
                            .eTag();
                } catch (SdkException e) {
                    throw failure("upload part " + n + " of " + count + " of", key, e);
                }
                done.add(CompletedPart.builder().partNumber(n).eTag(etag).build());
                progress.accept("uploaded part " + n + " of " + count + " of " + target.uriOf(key));
            }
            if (in.read() >= 0) {
                throw new IOException("the file grew during the upload");
            }
            try {
                s3.completeMultipartUpload(b -> b.bucket(target.bucket()).key(key).uploadId(uploadId)
                        .multipartUpload(u -> u.parts(done))
                        // S3 may take long to assemble a large object (it keeps the connection alive meanwhile).
                        .overrideConfiguration(c -> c.apiCallTimeout(uploadTimeout(size))));
            } catch (SdkException e) {
                throw failure("complete the multipart upload of", key, e);
            }
            completed = true;
            return count;
        } finally {
            if (!completed) {
                abortQuietly(key, uploadId);
            }
        }
    }

    private void abortQuietly(String key, String uploadId) {
        try {
            s3.abortMultipartUpload(b -> b.bucket(target.bucket()).key(key).uploadId(uploadId)
                    .overrideConfiguration(this::small));
        } catch (SdkException ignored) {
            // the store is unreachable: the next publish aborts stale uploads, or a lifecycle rule does
        }
    }

    /**
     * Aborts multipart uploads under {@code KEY/generations/} started before {@code before}: those of
     * killed publishers (a live one finishes long before). A store that cannot list them is skipped.
     */
    List<String> abortStaleUploads(Instant before, Consumer<String> progress) {
        List<String> aborted = new ArrayList<>();
        try {
            // All pages: a store returns at most 1000 uploads per answer.
            for (MultipartUpload u : s3.listMultipartUploadsPaginator(b -> b.bucket(target.bucket())
                    .prefix(target.generationsPrefix()).overrideConfiguration(this::small)).uploads()) {
                if (u.initiated() != null && u.initiated().isBefore(before)) {
                    abortQuietly(u.key(), u.uploadId());
                    aborted.add(u.key());
                    progress.accept("aborted the unfinished multipart upload of " + target.uriOf(u.key())
                            + " started " + u.initiated() + " (a publisher interrupted then)");
                }
            }
        } catch (SdkException | UnsupportedOperationException e) {
            progress.accept("cannot list unfinished multipart uploads under " + target.uriOf(target.generationsPrefix())
                    + " (" + oneLine(e) + "); a lifecycle rule can abort them");
        }
        return aborted;
    }

    private long storedSize(String key) throws ExportException {
        try {
            return s3.headObject(b -> b.bucket(target.bucket()).key(key).overrideConfiguration(this::small))
                    .contentLength();
        } catch (S3Exception e) {
            if (e.statusCode() == 404 && !bucketExists()) {
                throw failure("check the size of", key, e); // the bucket is gone: failure() says so
            }
            if (e.statusCode() == 404) {
                // Said plainly: the store confirmed an upload that it then does not have.
                throw new ExportException(ExportException.Reason.FAILED, "the store accepted the upload of "
                        + target.uriOf(key) + " but does not have it (HTTP 404 right after): nothing was made "
                        + "current; check the store (or a proxy in front of it), then run again", e);
            }
            throw failure("check the size of", key, e);
        } catch (SdkException e) {
            throw failure("check the size of", key, e);
        }
    }

    void put(String key, byte[] body, String contentType) throws ExportException {
        put(key, body, contentType, requestTimeout);
    }

    private void put(String key, byte[] body, String contentType, Duration timeout) throws ExportException {
        try {
            s3.putObject(b -> b.bucket(target.bucket()).key(key).contentType(contentType)
                    .overrideConfiguration(o -> o.apiCallTimeout(timeout)), RequestBody.fromBytes(body));
        } catch (SdkException e) {
            throw failure("write", key, e);
        }
    }

    /**
     * The one PUT that makes a generation current: only if manifest.json is still what was read
     * ({@code If-Match}), or still absent ({@code If-None-Match: *}).
     */
    void putManifest(byte[] json, Current read, String publishId) throws ExportException {
        String key = target.manifestKey();
        PutObjectRequest.Builder request = PutObjectRequest.builder().bucket(target.bucket()).key(key)
                .contentType("application/json").cacheControl("no-cache").overrideConfiguration(this::small);
        if (read == null) {
            request.ifNoneMatch("*");
        } else {
            request.ifMatch(read.etag());
        }
        try {
            s3.putObject(request.build(), RequestBody.fromBytes(json));
        } catch (S3Exception e) {
            if ((e.statusCode() == 412 || e.statusCode() == 409) && isOurs(publishId)) {
                // The SDK retried a PUT whose first attempt the store had applied (the answer was lost):
                // the manifest names this very generation.
                return;
            }
            if (e.statusCode() == 412 || e.statusCode() == 409) {
                throw new ExportException(ExportException.Reason.OBJECT_TARGET_CHANGED, "another publisher or rollback "
                        + "changed " + target.uriOf(key) + " meanwhile (HTTP " + e.statusCode() + " for the conditional "
                        + "write); it is left as they wrote it: run again", e);
            }
            throw failure("write", key, e);
        } catch (SdkException e) {
            if (isOurs(publishId)) {
                // The store applied the PUT and the answer was lost (a reset, the deadline): it is current,
                // and reporting it as not published would be wrong.
                return;
            }
            throw failure("write", key, e);
        }
        confirmCurrent(key, publishId);
    }

    /**
     * Reads manifest.json back after the store accepted the PUT (S3 reads are strongly consistent
     * after a write): a store or proxy that answers 200 for a write it did not keep must not have
     * the run report a generation current that readers never see. A read that fails leaves the
     * store's word standing.
     */
    private void confirmCurrent(String key, String publishId) throws ExportException {
        Current now;
        try {
            now = readManifest();
        } catch (ExportException e) {
            return;
        }
        String named = now == null ? null : now.manifest() == null ? "something unreadable (" + now.problem() + ")"
                : now.manifest().publishId();
        if (!publishId.equals(named)) {
            throw new ExportException(ExportException.Reason.FAILED, "the store accepted the write of "
                    + target.uriOf(key) + " but reading it back gives " + (named == null ? "no object" : named)
                    + ", not " + publishId + ": a store or proxy that drops writes, or another publisher right after "
                    + "this one; check the store, then run again");
        }
    }

    /** Writes {@code json} back as manifest.json, only if it is still {@code now} (If-Match). */
    void putManifestBack(byte[] json, Current now) throws ExportException {
        String key = target.manifestKey();
        try {
            s3.putObject(b -> b.bucket(target.bucket()).key(key).contentType("application/json").cacheControl("no-cache")
                    .ifMatch(now.etag()).overrideConfiguration(this::small), RequestBody.fromBytes(json));
        } catch (SdkException e) {
            throw failure("write", key, e);
        }
    }

    private boolean isOurs(String publishId) {
        try {
            Current now = readManifest();
            return now != null && now.manifest() != null && now.manifest().publishId().equals(publishId);
        } catch (ExportException e) {
            return false;
        }
    }

    void putJson(String key, byte[] json) throws ExportException {
        put(key, json, "application/json");
    }

    void putRetired(String publishId, Instant at) throws ExportException {
        put(target.retiredKey(publishId), (at + "\n").getBytes(StandardCharsets.US_ASCII), "text/plain");
    }

    /** A generation's JSON or mark; null when absent. */
    byte[] get(String key) throws ExportException {
        return getSmall(key, new String[1]);
    }

    /** False only when the store says the bucket is missing. */
    private boolean bucketExists() {
        try {
            s3.headBucket(b -> b.bucket(target.bucket()).overrideConfiguration(this::small));
            return true;
        } catch (S3Exception e) {
            return e.statusCode() != 404;
        } catch (SdkException e) {
            return true;
        }
    }

    /** Whether an object exists (HEAD). */
    boolean exists(String key) throws ExportException {
        try {
            s3.headObject(b -> b.bucket(target.bucket()).key(key).overrideConfiguration(this::small));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false; // a HEAD's 404 has no body, so no error code
            }
            throw failure("check", key, e);
        } catch (SdkException e) {
            throw failure("check", key, e);
        }
    }

    void delete(String key) throws ExportException {
        try {
            s3.deleteObject(b -> b.bucket(target.bucket()).key(key).overrideConfiguration(this::small));
        } catch (SdkException e) {
            throw failure("delete", key, e);
        }
    }

    /** The objects of one generation found under {@code KEY/generations/}; a size of -1 = no such object. */
    record Listed(String publishId, long fileBytes, boolean json, boolean retired) {
    }

    /** Every generation that has any object under {@code KEY/generations/}, by publish id. */
    Map<String, Listed> listGenerations() throws ExportException {
        Map<String, Listed> found = new TreeMap<>();
        String prefix = target.generationsPrefix();
        try {
            for (ListObjectsV2Response page : s3.listObjectsV2Paginator(b -> b.bucket(target.bucket()).prefix(prefix)
                    .overrideConfiguration(this::small))) {
                for (S3Object o : page.contents()) {
                    if (o.key() == null || !o.key().startsWith(prefix)) {
                        continue; // a broken or hostile store's answer: nothing outside the prefix is ours
                    }
                    String name = o.key().substring(prefix.length());
                    for (String suffix : List.of(ObjectTarget.FILE_SUFFIX, ObjectTarget.JSON_SUFFIX,
                            ObjectTarget.RETIRED_SUFFIX)) {
                        if (name.endsWith(suffix) && History.isPublishId(name.substring(0,
                                name.length() - suffix.length()))) {
                            String id = name.substring(0, name.length() - suffix.length());
                            Listed l = found.getOrDefault(id, new Listed(id, -1, false, false));
                            found.put(id, new Listed(id,
                                    suffix.equals(ObjectTarget.FILE_SUFFIX) ? o.size() : l.fileBytes(),
                                    l.json() || suffix.equals(ObjectTarget.JSON_SUFFIX),
                                    l.retired() || suffix.equals(ObjectTarget.RETIRED_SUFFIX)));
                        }
                    }
                }
            }
        } catch (SdkException e) {
            throw failure("list", prefix, e);
        }
        return found;
    }

    /**
     * A failed request as an ExportException naming bucket and key: the store unreachable, the
     * bucket missing, access denied, or anything else the store said.
     */
    ExportException failure(String action, String key, SdkException e) {
        String where = target.uriOf(key);
        if (e instanceof S3Exception s3e) {
            String code = s3e.awsErrorDetails() == null ? null : s3e.awsErrorDetails().errorCode();
            if ("NoSuchBucket".equals(code) || (s3e.statusCode() == 404 && code == null)) {
                return new ExportException(ExportException.Reason.FAILED, "cannot " + action + " " + where
                        + ": bucket '" + target.bucket() + "' does not exist; create it, or fix the bucket in --target", e);
            }
            String bucketRegion = s3e.awsErrorDetails() == null || s3e.awsErrorDetails().sdkHttpResponse() == null
                    ? null : s3e.awsErrorDetails().sdkHttpResponse().firstMatchingHeader("x-amz-bucket-region")
                    .orElse(null);
            if (s3e.statusCode() == 301 || "PermanentRedirect".equals(code)
                    || "AuthorizationHeaderMalformed".equals(code) || bucketRegion != null && s3e.statusCode() == 400) {
                return new ExportException(ExportException.Reason.FAILED, "cannot " + action + " " + where
                        + ": bucket '" + target.bucket() + "' is in another region than the client's ("
                        + (bucketRegion == null ? "" : "the store says " + bucketRegion + "; ")
                        + (code == null ? "HTTP " + s3e.statusCode() : code) + "); pass --s3-region "
                        + (bucketRegion == null ? "REGION" : bucketRegion) + " or set AWS_REGION", e);
            }
            if (s3e.statusCode() == 403) {
                return new ExportException(ExportException.Reason.FAILED, "cannot " + action + " " + where
                        + ": access denied (" + (code == null ? "HTTP 403" : code) + "); check the credentials "
                        + "(AWS_ACCESS_KEY_ID / AWS_PROFILE / instance role) and that they may get, put, delete and "
                        + "list objects under s3://" + target.bucket() + "/" + target.key() + "/", e);
            }
            return new ExportException(ExportException.Reason.FAILED, "cannot " + action + " " + where + ": the "
                    + "store answered HTTP " + s3e.statusCode() + (code == null ? "" : " " + code) + ": "
                    + oneLine(e) + "; check the store, then run again", e);
        }
        if (e instanceof ApiCallTimeoutException) {
            return new ExportException(ExportException.Reason.FAILED, "cannot " + action + " " + where + ": the object "
                    + "store is too slow or hung (" + oneLine(e) + "); abandoned. Check the store and the network, "
                    + "then run again", e);
        }
        if (e instanceof SdkClientException && String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT)
                .contains("credentials")) {
            return new ExportException(ExportException.Reason.FAILED, "cannot " + action + " " + where
                    + ": no AWS credentials found (" + oneLine(e) + "); set AWS_ACCESS_KEY_ID and "
                    + "AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run with an instance or container role", e);
        }
        return new ExportException(ExportException.Reason.FAILED, "cannot " + action + " " + where + ": the object "
                + "store is unreachable (" + oneLine(e) + "); check --s3-endpoint (or AWS_ENDPOINT_URL_S3) and the "
                + "network, then run again", e);
    }

    private static String oneLine(Exception e) {
        return ExportCommand.oneLine(String.valueOf(e.getMessage()));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }
}
