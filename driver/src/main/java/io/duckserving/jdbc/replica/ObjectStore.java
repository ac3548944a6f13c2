package io.duckserving.jdbc.replica;

import java.io.IOException;
import java.io.InputStream;

/**
 * The two reads a replica makes of object storage. The one implementation that speaks S3 is
 * {@link S3ObjectStore}, the only class that touches AWS SDK types, so everything else here
 * loads without the SDK; tests could put any store behind it.
 */
public interface ObjectStore extends AutoCloseable {
    /**
     * The whole (small) object, or null when its ETag still equals {@code ifNoneMatch} (HTTP 304).
     *
     * @param ifNoneMatch the ETag of the copy we have, or null to always fetch it
     */
    Fetched getIfChanged(String bucket, String key, String ifNoneMatch) throws IOException;

    /** A stream of the object's bytes; closing it early abandons the rest. */
    InputStream open(String bucket, String key) throws IOException;

    @Override
    void close();

    /** A fetched object and its ETag. */
    record Fetched(byte[] body, String etag) {
    }
}
