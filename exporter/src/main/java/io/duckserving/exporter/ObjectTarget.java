package io.duckserving.exporter;

import java.net.URI;
import java.util.Locale;

/**
 * An object-storage target, {@code s3://BUCKET/KEY}, and the names of its objects (the layout
 * shared with the driver):
 * <pre>
 *   KEY/manifest.json                        the current manifest; one PUT of it publishes
 *   KEY/generations/&lt;publishId&gt;.duckdb      the snapshot file, immutable
 *   KEY/generations/&lt;publishId&gt;.json        that generation's manifest, immutable
 *   KEY/generations/&lt;publishId&gt;.retired     when it stopped being current (ISO-8601)
 * </pre>
 */
record ObjectTarget(URI uri, String bucket, String key) {

    static final String SCHEME = "s3";
    static final String FILE_SUFFIX = ".duckdb";
    static final String JSON_SUFFIX = ".json";
    static final String RETIRED_SUFFIX = ".retired";

    /** Whether a {@code --target} value names an object rather than a local file. */
    static boolean isObjectUri(String text) {
        return text != null && text.matches("(?i)[a-z][a-z0-9+.-]*://.*");
    }

    /**
     * Parses {@code s3://bucket/prefix/analytics.duckdb}, or IllegalArgumentException naming
     * --target and saying what a valid one looks like.
     */
    static ObjectTarget parse(String text) {
        String example = "; give s3://BUCKET/KEY, e.g. s3://lake/serving/analytics.duckdb";
        int schemeEnd = text.indexOf("://");
        if (schemeEnd < 0 || !text.substring(0, schemeEnd).toLowerCase(Locale.ROOT).equals(SCHEME)) {
            throw new IllegalArgumentException("--target " + text + ": only s3:// object targets are supported"
                    + " (S3 and the stores that speak its API, through --s3-endpoint)" + example);
        }
        String rest = text.substring(schemeEnd + 3);
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        String key = slash < 0 ? "" : rest.substring(slash + 1);
        if (bucket.isEmpty()) {
            throw new IllegalArgumentException("--target " + text + " names no bucket" + example);
        }
        if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
            throw new IllegalArgumentException("--target " + text + ": '" + bucket + "' is not a valid bucket name "
                    + "(3 to 63 lowercase letters, digits, dots and hyphens)" + example);
        }
        if (key.isEmpty()) {
            throw new IllegalArgumentException("--target " + text + " names a bucket but no key (the snapshot's "
                    + "name in it)" + example);
        }
        if (key.endsWith("/")) {
            throw new IllegalArgumentException("--target " + text + ": the key ends in '/', which names a folder; "
                    + "name the snapshot itself" + example);
        }
        for (String segment : key.split("/", -1)) {
            // The driver refuses these (the key becomes a path under its replica directory): a target
            // no reader can follow is refused before anything is uploaded.
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("--target " + text + ": the key '" + key + "' has an empty, '.' "
                        + "or '..' path segment" + example);
            }
            int segmentBytes = segment.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            if (segmentBytes > MAX_SEGMENT_BYTES) {
                throw new IllegalArgumentException("--target s3://" + bucket + "/...: the key's segment '"
                        + segment.substring(0, 40) + "...' has " + segmentBytes + " bytes in UTF-8; the snapshot is "
                        + "written locally and readers keep their replica under each segment as a file or directory "
                        + "name (255 bytes at most, with the suffixes of temporary files): keep segments to "
                        + MAX_SEGMENT_BYTES + " bytes");
            }
        }
        if (key.contains("?") || key.contains("#") || key.indexOf('\\') >= 0 || key.chars().anyMatch(c -> c < 0x20)) {
            throw new IllegalArgumentException("--target " + text + ": the key '" + key + "' has a '?', '#', "
                    + "backslash or control character" + example);
        }
        int bytes = key.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes > MAX_KEY_BYTES) {
            // Refused before the snapshot is written: the store would refuse the first upload.
            throw new IllegalArgumentException("--target " + text.substring(0, SCHEME.length() + 3 + bucket.length() + 40)
                    + "...: the key has " + bytes + " bytes in UTF-8, and with '/generations/<publish id>.retired' "
                    + "added it would pass S3's limit of 1024; give a key of at most " + MAX_KEY_BYTES + " bytes");
        }
        return new ObjectTarget(encode(bucket, key), bucket, key);
    }

    /** A file name's 255 bytes less the longest suffix added to it locally ({@code .<name>.replica.json.tmp-...}). */
    static final int MAX_SEGMENT_BYTES = 190;

    /** S3's longest key (1024 bytes) less the longest suffix this layout adds ({@code /generations/<id>.retired}). */
    static final int MAX_KEY_BYTES = 1024 - "/generations/".length() - "20261201T180000Z-3f9a1c".length()
            - RETIRED_SUFFIX.length();

    /**
     * The target of a URI given to the library API, e.g. {@link #uri()}: its path is percent-decoded
     * (a key with a space is {@code s3://lake/a%20b/x.duckdb}), where {@link #parse} takes the
     * command line's text literally, as the driver takes its URL's. Both give the same target for
     * the same key.
     */
    static ObjectTarget of(URI uri) {
        if (uri.isOpaque() || uri.getRawAuthority() == null || uri.getScheme() == null) {
            return parse(uri.toString());
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("--target " + uri + ": the key has a '?' or '#'; give s3://BUCKET/KEY");
        }
        String path = uri.getPath() == null ? "" : uri.getPath();
        return parse(uri.getScheme() + "://" + uri.getRawAuthority() + path);
    }

    private static URI encode(String bucket, String key) {
        try {
            return new URI(SCHEME, bucket, "/" + key, null, null);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("--target s3://" + bucket + "/" + key + ": " + e.getMessage(), e);
        }
    }

    /** The last segment of the key: the snapshot's file name (its DuckDB catalog name comes from it). */
    String fileName() {
        return key.substring(key.lastIndexOf('/') + 1);
    }

    String manifestKey() {
        return key + "/manifest.json";
    }

    String generationsPrefix() {
        return key + "/generations/";
    }

    String fileKey(String publishId) {
        return generationsPrefix() + publishId + FILE_SUFFIX;
    }

    String jsonKey(String publishId) {
        return generationsPrefix() + publishId + JSON_SUFFIX;
    }

    String retiredKey(String publishId) {
        return generationsPrefix() + publishId + RETIRED_SUFFIX;
    }

    /** {@code s3://bucket/objectKey} as a URI: the key percent-encoded where a URI needs it. */
    URI objectUri(String objectKey) {
        return encode(bucket, objectKey);
    }

    /** {@code s3://bucket/objectKey}, for messages. */
    String uriOf(String objectKey) {
        return SCHEME + "://" + bucket + "/" + objectKey;
    }

    @Override
    public String toString() {
        return uriOf(key);
    }
}
