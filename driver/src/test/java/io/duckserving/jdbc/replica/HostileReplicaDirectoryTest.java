package io.duckserving.jdbc.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * What may be found at a replica's file names (a FIFO, a symbolic link) and what a manifest may
 * claim (more bytes than the disk has): the replica neither hangs, nor writes outside its
 * directory, nor fills the disk.
 */
class HostileReplicaDirectoryTest extends FaultyStoreTestCase {
    private static void mkfifo(Path path) throws Exception {
        Files.createDirectories(path.getParent());
        Process p = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
        assertEquals(0, p.waitFor(), "mkfifo " + path);
    }

    @Test
    void aFifoAtTheStateFileDoesNotHangTheReplica() throws Exception {
        ReplicaFiles files = new ReplicaFiles(LOCATION.servedPath(dir));
        mkfifo(files.stateFile);
        Files.write(files.served, new byte[10]);
        http.on("/manifest.json", FaultyHttpStore.ok(manifest(10)));
        Replica replica = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> replica(),
                "reading the state must not block on a FIFO");
        try {
            assertFalse(replica.hasReplica(), "no usable state: downloaded again");
        } finally {
            replica.close();
        }
    }

    @Test
    void aLinkAtTheLockFileIsNotFollowed() throws Exception {
        ReplicaFiles files = new ReplicaFiles(LOCATION.servedPath(dir));
        Files.createDirectories(files.directory);
        Path outside = dir.resolve("outside-the-replica.txt");
        Files.createSymbolicLink(files.lockFile, outside);
        http.on("/manifest.json", FaultyHttpStore.ok(manifest(10))).on("/p1.duckdb", FaultyHttpStore.ok(new byte[10]));
        Replica replica = replica();
        try {
            IOException e = assertThrows(IOException.class, replica::installFirst);
            assertTrue(e.getMessage().contains(files.lockFile.toString()) && e.getMessage().contains("serving_replica_dir"),
                    e.getMessage());
            assertFalse(Files.exists(outside), "nothing is created through the link");
        } finally {
            replica.close();
        }
    }

    @Test
    void anObjectLargerThanTheFreeSpaceIsNotDownloaded() throws Exception {
        long exabyte = 1L << 60;
        http.on("/manifest.json", FaultyHttpStore.ok(manifest(exabyte))).on("/p1.duckdb", FaultyHttpStore.ok(new byte[10]));
        Replica replica = replica();
        try {
            IOException e = assertThrows(IOException.class, replica::installFirst);
            assertTrue(e.getMessage().contains("s3://lake/" + OBJECT_KEY) && e.getMessage().contains("free")
                    && e.getMessage().contains("serving_replica_dir"), e.getMessage());
            assertEquals(0, http.requests("/p1.duckdb"), "not even requested");
        } finally {
            replica.close();
        }
    }
}
