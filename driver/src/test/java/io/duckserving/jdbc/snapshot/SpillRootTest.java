package io.duckserving.jdbc.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real directories and real processes against {@link SpillRoot}. */
class SpillRootTest {
    @TempDir
    Path dir;

    @Test
    void theDefaultRootIsPerUserInTheTemporaryDirectory() {
        Path root = SpillRoot.defaultRoot();
        assertEquals(Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath(), root.getParent());
        assertEquals("duckdb-serving-" + SpillRoot.userName(), root.getFileName().toString());
        assertEquals("alice", SpillRoot.sanitize("alice"));
        assertEquals("DOMAIN_bob_smith", SpillRoot.sanitize("DOMAIN\\bob smith"));
        assertEquals(".._etc", SpillRoot.sanitize("../etc"), "no separator survives; dots are harmless after the prefix");
        assertEquals("", SpillRoot.sanitize(".."));
        assertEquals("", SpillRoot.sanitize("?"));
        assertEquals(64, SpillRoot.sanitize("x".repeat(100)).length());
    }

    @Test
    void theCreatedRootIsPrivate() throws IOException {
        assumePosix();
        Path root = SpillRoot.createPrivate(dir.resolve("a/b/duckdb-serving-me"));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(root)));
        assertEquals(root, SpillRoot.createPrivate(root), "an existing private root is fine");
    }

    @Test
    void aRootOpenToOthersIsRefused() throws IOException {
        assumePosix();
        Path root = Files.createDirectory(dir.resolve("open"));
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        IOException e = assertThrows(IOException.class, () -> SpillRoot.createPrivate(root));
        assertTrue(e.getMessage().contains("has mode rwxr-xr-x"), e.getMessage());
        assertTrue(e.getMessage().contains("chmod 700 " + root), e.getMessage());
    }

    @Test
    void aRootThatIsASymbolicLinkOrAFileIsRefused() throws IOException {
        Path real = Files.createDirectory(dir.resolve("real"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), real);
        IOException e = assertThrows(IOException.class, () -> SpillRoot.createPrivate(link));
        assertTrue(e.getMessage().contains(link + " is a symbolic link"), e.getMessage());

        Path file = Files.createFile(dir.resolve("file"));
        e = assertThrows(IOException.class, () -> SpillRoot.createPrivate(file));
        assertTrue(e.getMessage().contains(file + " exists but is not a directory (a regular file)"), e.getMessage());
        assertTrue(e.getMessage().contains("serving_spill_directory"), e.getMessage());
    }

    @Test
    void aRootOwnedByAnotherUserIsRefused() throws IOException {
        assumePosix();
        UserPrincipal nobody;
        try {
            nobody = FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        } catch (UserPrincipalNotFoundException e) {
            assumeTrue(false, "no user nobody");
            return;
        }
        Path root = Files.createDirectory(dir.resolve("theirs"));
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
        try {
            Files.setOwner(root, nobody);
        } catch (IOException e) {
            assumeTrue(false, "cannot give a directory away (not root): " + e);
        }
        IOException e = assertThrows(IOException.class, () -> SpillRoot.createPrivate(root));
        assertTrue(e.getMessage().contains(root + " is owned by nobody"), e.getMessage());
    }

    @Test
    void namesCarryPidAndStartTimeAndOnlyExactNamesParse() {
        ProcessHandle self = ProcessHandle.current();
        Path spill = SpillRoot.spillDirectory(dir, 7);
        Instant start = self.info().startInstant().orElseThrow();
        assertEquals("snapshot-" + self.pid() + "-" + start.toEpochMilli() + "-7", spill.getFileName().toString());
        assertEquals(Optional.of(new SpillRoot.Owner(self.pid(), start.toEpochMilli())),
                SpillRoot.owner(spill.getFileName().toString()));
        for (String foreign : new String[] {"snapshot-12-7", "snapshot-012-5-7", "snapshot-12-05-7", "snapshot-12-5-07",
                "snapshot-12-5-7.tmp", "xsnapshot-12-5-7", "snapshot-0-5-7", "snapshot-12-5-", "snapshot-1-2-3-4",
                "snapshot-99999999999999999999-5-7", "Snapshot-12-5-7", "duckdb_temp_storage-0.tmp"}) {
            assertEquals(Optional.empty(), SpillRoot.owner(foreign), foreign);
        }
    }

    @Test
    void orphansOfDeadProcessesAreRemovedAndEverythingElseIsKept() throws Exception {
        // A real child: sleep rather than true, so its start time can be read before it ends.
        Process child = new ProcessBuilder("sleep", "30").start();
        Instant childStart = child.toHandle().info().startInstant().orElseThrow();
        long childPid = child.pid();
        child.destroyForcibly();
        assertTrue(child.waitFor(10, TimeUnit.SECONDS));
        assumeTrue(ProcessHandle.of(childPid).isEmpty(), "pid " + childPid + " was reused at once");

        ProcessHandle self = ProcessHandle.current();
        Instant selfStart = self.info().startInstant().orElseThrow();
        Path dead = spill(SpillRoot.directoryName(childPid, childStart, 1));
        Path deadUnknownStart = spill(SpillRoot.directoryName(childPid, null, 2));
        Path live = spill(SpillRoot.directoryName(self.pid(), selfStart, 3));
        Path liveUnknownStart = spill(SpillRoot.directoryName(self.pid(), null, 4));
        Path reused = spill(SpillRoot.directoryName(self.pid(), selfStart.minusSeconds(5), 5));

        // a symbolic link inside a dead directory pointing outside it
        Path outside = Files.createDirectory(dir.resolve("precious"));
        Path precious = Files.writeString(outside.resolve("data.txt"), "keep me");
        Files.createSymbolicLink(dead.resolve("link-to-dir"), outside);
        Files.createSymbolicLink(dead.resolve("link-to-file"), precious);
        Files.createDirectories(dead.resolve("nested/deeper"));
        Files.writeString(dead.resolve("nested/deeper/spill.block"), "x");

        Path unrelated = Files.createDirectory(dir.resolve("snapshot-" + childPid + "-1"));
        Path lookAlike = Files.createDirectory(dir.resolve("snapshot-0" + childPid + "-" + childStart.toEpochMilli() + "-1"));
        Path aFileNamedLikeOne = Files.createFile(dir.resolve(SpillRoot.directoryName(childPid, childStart, 9)));
        Path aLinkNamedLikeOne = Files.createSymbolicLink(dir.resolve(SpillRoot.directoryName(childPid, childStart, 10)),
                outside);

        List<Path> removed = SpillRoot.removeOrphans(dir);

        assertEquals(List.of(dead, deadUnknownStart, reused).stream().sorted().toList(),
                removed.stream().sorted().toList());
        for (Path gone : removed) {
            assertFalse(Files.exists(gone, LinkOption.NOFOLLOW_LINKS), gone + " is gone");
        }
        for (Path kept : List.of(live, liveUnknownStart, unrelated, lookAlike, aFileNamedLikeOne, aLinkNamedLikeOne)) {
            assertTrue(Files.exists(kept, LinkOption.NOFOLLOW_LINKS), kept + " is kept");
        }
        assertEquals("keep me", Files.readString(precious), "the link's target survives");
        assertEquals(List.of(), SpillRoot.removeOrphans(dir), "a second sweep finds nothing");
        assertEquals(List.of(), SpillRoot.removeOrphans(dir.resolve("missing")), "no root, nothing to do");
    }

    private Path spill(String name) throws IOException {
        Path d = Files.createDirectory(dir.resolve(name));
        Files.writeString(d.resolve("duckdb_temp_storage_DEFAULT-0.tmp"), "spilled");
        return d;
    }

    private void assumePosix() throws IOException {
        assumeTrue(Files.getFileStore(dir).supportsFileAttributeView("posix"), "no POSIX permissions here");
    }
}
