package io.duckserving.jdbc.replica;

import java.time.Instant;

/**
 * What {@code <key>/manifest.json} says is current (the exporter writes it last; see the object
 * storage contract): the generation's object, its size and SHA-256, and when it was published.
 *
 * @param publishedAt when the exporter published it, or null if the manifest does not say
 * @param etag the manifest object's ETag, for the next conditional GET
 */
public record Manifest(String publishId, String objectKey, long size, String sha256, Instant publishedAt, String etag) {
    /** The newest manifest format this driver reads. */
    public static final int FORMAT = 1;
}
