package io.duckserving.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.sql.SQLException;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default replica directory is {@code <java.io.tmpdir>/duckdb-serving-replicas-<user>}, in a
 * directory every user can write: one that another user made first (and could plant a "current"
 * replica in) is refused, and a new one is private.
 */
class DefaultReplicaDirectoryTest {
    @TempDir
    Path sharedTemp;
    private String savedTemp;
    private Path defaultDirectory;

    @BeforeEach
    void useTempAsJavaIoTmpdir() {
        savedTemp = System.getProperty("java.io.tmpdir");
        System.setProperty("java.io.tmpdir", sharedTemp.toString());
        defaultDirectory = sharedTemp.resolve("duckdb-serving-replicas-" + System.getProperty("user.name"));
    }

    @AfterEach
    void restoreJavaIoTmpdir() {
        System.setProperty("java.io.tmpdir", savedTemp);
    }

    @Test
    void aNewDefaultDirectoryIsPrivate() throws Exception {
        assertEquals(defaultDirectory, ServingUrl.replicaDirectory(new Properties()));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(defaultDirectory)));
    }

    @Test
    void aDefaultDirectoryOthersCanWriteIsRefused() throws Exception {
        Files.createDirectory(defaultDirectory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxrwxrwx")));
        Files.setPosixFilePermissions(defaultDirectory, PosixFilePermissions.fromString("rwxrwxrwx"));
        SQLException e = assertThrows(SQLException.class, () -> ServingUrl.replicaDirectory(new Properties()));
        assertEquals("08001", e.getSQLState());
        assertTrue(e.getMessage().contains(defaultDirectory.toString()) && e.getMessage().contains("rwxrwxrwx"), e.getMessage());
    }

    @Test
    void aDefaultDirectoryAnotherUserMadeIsRefused() throws Exception {
        UserPrincipal nobody;
        try {
            nobody = defaultDirectory.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
            Files.createDirectory(defaultDirectory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Files.setOwner(defaultDirectory, nobody);
        } catch (java.io.IOException | UnsupportedOperationException e) {
            assumeTrue(false, "giving a directory to another user needs root: " + e);
            return;
        }
        SQLException e = assertThrows(SQLException.class, () -> ServingUrl.replicaDirectory(new Properties()));
        assertEquals("08001", e.getSQLState());
        assertTrue(e.getMessage().contains("owned by nobody") && e.getMessage().contains("serving_replica_dir"), e.getMessage());
    }
}
