package io.duckserving.jdbc.replica;

import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Where a published DuckDB file lives in object storage: {@code s3://bucket/key}. Plain data, no
 * SDK: the JDBC layer parses URLs with it whether or not the AWS SDK is on the class path.
 */
public record S3Location(String bucket, String key) {
    public static final String SCHEME = "s3://";
    /** S3's own bucket rules, loosely: S3-compatible stores accept a little more (upper case, underscores). */
    private static final Pattern BUCKET = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{1,62}");

    public static boolean isS3(String text) {
        return text.regionMatches(true, 0, SCHEME, 0, SCHEME.length());
    }

    /** Parses {@code s3://bucket/key}; the message of the exception says what is wrong with it. */
    public static S3Location parse(String text) {
        if (!isS3(text)) {
            throw new IllegalArgumentException(text + " is not an s3:// location");
        }
        String rest = text.substring(SCHEME.length());
        int slash = rest.indexOf('/');
        if (slash <= 0 || slash == rest.length() - 1) {
            throw new IllegalArgumentException(text + " names no object: use s3://bucket/prefix/analytics.duckdb");
        }
        String bucket = rest.substring(0, slash);
        String key = rest.substring(slash + 1);
        if (!BUCKET.matcher(bucket).matches()) {
            throw new IllegalArgumentException(text + ": '" + bucket + "' is not a valid bucket name");
        }
        for (String segment : key.split("/", -1)) {
            // The key becomes a path under the replica directory: nothing may climb out of it or be empty.
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException(text + ": the key '" + key
                        + "' has an empty, '.' or '..' segment; use s3://bucket/prefix/analytics.duckdb");
            }
        }
        if (key.indexOf('\\') >= 0 || key.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(text + ": the key '" + key + "' contains a backslash or NUL");
        }
        return new S3Location(bucket, key);
    }

    /** The key of the current manifest. */
    public String manifestKey() {
        return key + "/manifest.json";
    }

    /** The local file that serves this location under {@code replicaDirectory}: {@code <dir>/<bucket>/<key>}. */
    public Path servedPath(Path replicaDirectory) {
        Path p = replicaDirectory.resolve(bucket);
        for (String segment : key.split("/")) {
            p = p.resolve(segment);
        }
        return p;
    }

    @Override
    public String toString() {
        return SCHEME + bucket + "/" + key;
    }
}
