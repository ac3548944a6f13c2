package io.duckserving.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** The fixture itself: real SigV4 requests, conditional GETs, and objects that outlive an outage. */
class S3TestServerTest {
    @Test
    void objectsSurviveAStopAndRestartAndAnUnchangedObjectAnswers304(@TempDir Path dir) throws Exception {
        try (S3TestServer server = S3TestServer.start(dir);
                S3Client s3 = S3Client.builder().endpointOverride(server.endpoint())
                        .region(Region.of(S3TestServer.REGION))
                        .credentialsProvider(StaticCredentialsProvider.create(
                                AwsBasicCredentials.create(S3TestServer.ACCESS_KEY, S3TestServer.SECRET_KEY)))
                        .forcePathStyle(true)
                        .httpClient(UrlConnectionHttpClient.create())
                        .build()) {
            s3.createBucket(b -> b.bucket("lake"));
            String etag = s3.putObject(b -> b.bucket("lake").key("a/b.json"), RequestBody.fromString("{}")).eTag();
            server.stop();
            assertThrows(SdkClientException.class, () -> s3.headObject(b -> b.bucket("lake").key("a/b.json")));
            server.restart();
            assertEquals("{}", s3.getObjectAsBytes(b -> b.bucket("lake").key("a/b.json")).asUtf8String());
            S3Exception notModified = assertThrows(S3Exception.class,
                    () -> s3.getObjectAsBytes(b -> b.bucket("lake").key("a/b.json").ifNoneMatch(etag)));
            assertEquals(304, notModified.statusCode());
        }
    }
}
