package io.duckserving.exporter;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What one publish did on one {@code s3://} target: the generation object it uploaded, its size
 * and SHA-256, how long the upload took, whether it became current (manifest.json names it) and
 * when (the manifest PUT's answer: what readers' publish-to-served lag counts from), the
 * generations pruned after it, and the error if it failed ({@code current} is then false,
 * {@code madeCurrentAt} null, and the target's manifest.json is as it was).
 */
public record ObjectPublish(URI uri, String objectKey, long bytes, String sha256, Duration upload, boolean current,
        Instant madeCurrentAt, List<String> generationsPruned, String error) {

    public ObjectPublish {
        generationsPruned = List.copyOf(generationsPruned);
    }

    static ObjectPublish failed(ObjectTarget target, String objectKey, String error) {
        return new ObjectPublish(target.uri(), objectKey, -1, null, Duration.ZERO, false, null, List.of(), error);
    }

    @Override
    public String toString() {
        return current ? "published " + uri + " (" + objectKey + ", " + bytes + " bytes, sha256 " + sha256 + ", uploaded in "
                + upload.toMillis() + " ms)" : "not published to " + uri + ": " + error;
    }
}
