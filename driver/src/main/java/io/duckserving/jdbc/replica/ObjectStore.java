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

    /**
     * Streams the object to {@code reader} and returns when it returns. A store that sends the
     * object slower than a minimum average throughput for {@code expectedSize} bytes, or next to
     * nothing for a while, is cut off (an IOException saying so), so a trickling store cannot hold
     * the caller, and the install lock, for long. The stream is closed after {@code reader} returns.
     */
    void read(String bucket, String key, long expectedSize, ObjectReader reader) throws IOException;

    @Override
    void close();

    /** Consumes an object's bytes; what it throws comes out of {@link #read} as it is. */
    interface ObjectReader {
        void read(InputStream in) throws IOException;
    }

    /** A fetched object and its ETag. */
    record Fetched(byte[] body, String etag) {
    }
}
