package io.duckserving.jdbc.replica;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The files of one source in a replica directory: the served file {@code <name>}, and beside it
 * {@code .<name>.lock} (held while installing, across processes), {@code .<name>.replica.json}
 * (what is installed) and {@code .<name>.download-<random>} (a download in progress). A
 * download becomes the served file only by a rename, after its size and SHA-256 matched the
 * manifest and it was synced to disk, so readers never see a partial or corrupt file.
 */
final class ReplicaFiles {
    private static final Logger LOG = Logger.getLogger(Replica.LOGGER_NAME);
    private static final int BUFFER = 1 << 16;
    /** One per lock file this JVM has used (one per source and directory: never many). */
    private static final ConcurrentHashMap<Object, ReentrantLock> IN_PROCESS_LOCKS = new ConcurrentHashMap<>();
    /** A state file is a few hundred bytes. */
    private static final int MAX_STATE_BYTES = 64 * 1024;

    final Path served;
    final Path directory;
    final String name;
    final Path lockFile;
    final Path stateFile;
    private final String downloadPrefix;
    /** The snapshot engine's handoff names for the served file: {@code .<name>.tmp-<id>.handoff}. */
    private final String handoffPrefix;
    private static final String HANDOFF_SUFFIX = ".handoff";
    private final String stateTempPrefix;

    ReplicaFiles(Path served) {
        this.served = served;
        this.directory = served.getParent();
        this.name = served.getFileName().toString();
        this.lockFile = directory.resolve("." + name + ".lock");
        this.stateFile = directory.resolve("." + name + ".replica.json");
        this.downloadPrefix = "." + name + ".download-";
        this.handoffPrefix = "." + name + ".tmp-";
        this.stateTempPrefix = "." + name + ".replica.json.tmp-";
    }

    void createDirectory() throws IOException {
        Files.createDirectories(directory);
    }

    /** Holds the cross-process install lock (blocking) while {@code work} runs. */
    <T> T locked(IoWork<T> work) throws IOException {
        try (FileChannel channel = openLockFile()) {
            ReentrantLock inProcess = inProcessLock();
            try {
                inProcess.lockInterruptibly();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for " + lockFile);
            }
            try (FileLock lock = channel.lock()) {
                return work.run();
            } finally {
                inProcess.unlock();
            }
        }
    }

    /** {@code work} under the lock if it is free now, else nothing: for bookkeeping that can wait. */
    void ifUnlocked(IoWork<?> work) throws IOException {
        try (FileChannel channel = openLockFile()) {
            ReentrantLock inProcess = inProcessLock();
            if (!inProcess.tryLock()) {
                return;
            }
            try (FileLock lock = channel.tryLock()) {
                if (lock != null) {
                    work.run();
                }
            } finally {
                inProcess.unlock();
            }
        }
    }

    /**
     * This JVM's lock for the lock file, taken before the file lock. File locks belong to the
     * process, so a second one on the same file from this JVM throws OverlappingFileLockException
     * instead of waiting: that happens when two replicas of this JVM share the file (a replica
     * directory named by two paths through a link, or a replica closing while its successor
     * starts). Keyed by the file's identity (device and inode), as the JVM's own check is.
     */
    private ReentrantLock inProcessLock() throws IOException {
        Object identity = Files.readAttributes(lockFile, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        return IN_PROCESS_LOCKS.computeIfAbsent(identity != null ? identity : lockFile.toRealPath(),
                k -> new ReentrantLock());
    }

    /** The lock file, never through a symbolic link: one planted there must not make us create or open a file elsewhere. */
    private FileChannel openLockFile() throws IOException {
        try {
            return FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new IOException("cannot open the lock file " + lockFile + " (" + e + "): it must be a regular file "
                    + "that this user can write; remove whatever is there (a link?) or use another serving_replica_dir", e);
        }
    }

    /**
     * Refuses a download that cannot fit: without this, an object larger than the free space (or a
     * manifest that claims so) fills the disk, shared with DuckDB's temporary files, on every retry.
     */
    void checkRoomFor(Manifest m, String objectName) throws IOException {
        long usable = Files.getFileStore(directory).getUsableSpace();
        if (m.size() > usable) {
            throw new IOException(objectName + " (publish " + m.publishId() + ") has " + m.size() + " bytes, and "
                    + directory + " has only " + usable + " bytes free: not downloaded. Free space there, or point "
                    + "serving_replica_dir at a larger disk");
        }
    }

    interface IoWork<T> {
        T run() throws IOException;
    }

    /** The state on disk if the served file is there with the state's size; else null (no usable replica). */
    ReplicaState readState() {
        try {
            // Reading a FIFO planted at the state file would block (in the constructor, under the
            // registry's lock: every s3:// connect of the JVM); a link would read another file.
            BasicFileAttributes state = Files.readAttributes(stateFile, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!state.isRegularFile() || state.size() > MAX_STATE_BYTES) {
                LOG.warning(() -> stateFile + " is not a regular file of at most " + MAX_STATE_BYTES + " bytes (a link, a "
                        + "FIFO, a directory?): ignored, the replica is downloaded again and the state file replaced");
                return null;
            }
            ReplicaState s = ManifestJson.readState(Files.readAllBytes(stateFile));
            BasicFileAttributes file = Files.readAttributes(served, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!file.isRegularFile()) {
                LOG.warning(() -> served + " is not a regular file (a link, a FIFO, a directory?): it is downloaded again");
                return null;
            }
            if (file.size() != s.size()) {
                LOG.warning(() -> served + " does not have the size " + s.size() + " that " + stateFile
                        + " records: it is downloaded again");
                return null;
            }
            return s;
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "ignoring the unreadable replica state " + stateFile + ": " + e.getMessage(), e);
            return null;
        }
    }

    /** Writes the state beside the served file: a temporary file, synced, renamed over the old state. */
    void writeState(ReplicaState s) throws IOException {
        Path temp = directory.resolve(stateTempPrefix + UUID.randomUUID());
        try {
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer bytes = ByteBuffer.wrap(ManifestJson.writeState(s));
                while (bytes.hasRemaining()) {
                    out.write(bytes);
                }
                out.force(true);
            }
            Files.move(temp, stateFile, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
        syncDirectory();
    }

    /**
     * Removes downloads and state temporaries a killed process left (with the lock held: nobody
     * else can be writing them); returns how many.
     */
    int removeLeftovers() throws IOException {
        int removed = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory,
                p -> p.getFileName().toString().startsWith(downloadPrefix)
                        || p.getFileName().toString().startsWith(stateTempPrefix)
                        || (p.getFileName().toString().startsWith(handoffPrefix)
                                && p.getFileName().toString().endsWith(HANDOFF_SUFFIX)))) {
            for (Path leftover : entries) {
                if (Files.deleteIfExists(leftover)) {
                    removed++;
                    LOG.info(() -> "Removed " + leftover + ", left by a process that stopped mid-download");
                }
            }
        }
        return removed;
    }

    /**
     * Downloads {@code m}'s object from {@code in} into a temporary file, checks its size and
     * SHA-256 against the manifest and syncs it; returns the file, for {@link #install}. On any
     * failure the temporary file is deleted.
     */
    Path download(InputStream in, Manifest m, String objectName, LongConsumer progress) throws IOException {
        Path temp = directory.resolve(downloadPrefix + UUID.randomUUID());
        boolean verified = false;
        try {
            MessageDigest sha = sha256();
            long received = 0;
            try (in; FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                byte[] buffer = new byte[BUFFER];
                ByteBuffer wrapped = ByteBuffer.wrap(buffer);
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    received += n;
                    progress.accept(n);
                    if (received > m.size()) {
                        throw new ObjectMismatch(objectName + " is larger than the " + m.size()
                                + " bytes its manifest says (publish " + m.publishId() + "): not installed");
                    }
                    sha.update(buffer, 0, n);
                    wrapped.clear().limit(n);
                    while (wrapped.hasRemaining()) {
                        out.write(wrapped);
                    }
                }
                if (received != m.size()) {
                    throw new ObjectMismatch(objectName + " has " + received + " bytes, its manifest says " + m.size()
                            + " (publish " + m.publishId() + "; truncated?): not installed");
                }
                String actual = HexFormat.of().formatHex(sha.digest());
                if (!actual.equals(m.sha256())) {
                    throw new ObjectMismatch(objectName + " has SHA-256 " + actual + ", its manifest says " + m.sha256()
                            + " (publish " + m.publishId() + "; corrupt?): not installed");
                }
                out.force(true);
            }
            verified = true;
            return temp;
        } finally {
            if (!verified) {
                Files.deleteIfExists(temp);
            }
        }
    }

    /**
     * Renames a {@link #download verified download} over the served file (after its handoff when
     * {@code handoffMillis} > 0 and a file is served already), then syncs the directory. Runs after
     * the object store's call has ended, so a long handoff holds no connection and no call deadline.
     * Interrupted during the handoff (the replica closing), it installs nothing: the served file and
     * the state stay as they were, and the next install downloads the generation again.
     */
    void install(Path verified, long handoffMillis) throws IOException {
        Path handoff = null;
        try {
            if (handoffMillis > 0 && Files.isRegularFile(served, LinkOption.NOFOLLOW_LINKS)) {
                handoff = handOff(verified, handoffMillis);
            }
            Files.move(verified, served, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(verified);
            if (handoff != null) {
                try {
                    Files.deleteIfExists(handoff);
                } catch (IOException e) {
                    // Installed all the same; the next install removes the link with the other leftovers.
                    LOG.log(Level.FINE, "cannot remove the handoff link " + handoff, e);
                }
            }
        }
        syncDirectory();
    }

    /** Deletes a verified download that will not be installed. */
    void discard(Path verified) {
        try {
            Files.deleteIfExists(verified);
        } catch (IOException e) {
            LOG.log(Level.FINE, "cannot delete " + verified + "; the next install removes it", e);
        }
    }

    /**
     * Offers the verified download under the snapshot engine's handoff name (the exporter's
     * {@code --handoff} convention), so the driver of every JVM that follows the served file opens
     * and warms it before the rename and installs it at the rename without an open of its own.
     * Not before a first install: nobody reads yet, and the connect waiting for it would only be slower.
     */
    private Path handOff(Path verified, long handoffMillis) throws IOException {
        Path link = directory.resolve(handoffPrefix + UUID.randomUUID() + HANDOFF_SUFFIX);
        try {
            Files.createLink(link, verified);
        } catch (IOException | UnsupportedOperationException e) {
            LOG.log(Level.FINE, "cannot hand off " + verified + " as " + link + "; renaming it at once", e);
            return null;
        }
        syncDirectory();
        try {
            Thread.sleep(handoffMillis);
        } catch (InterruptedException e) {
            // Closing. Renaming now would leave the state file to an interrupted thread, whose channel
            // writes fail: the served file and its state would disagree. Install nothing instead.
            Files.deleteIfExists(link);
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while handing off " + verified
                    + ": not installed; the next install downloads it again");
        }
        return link;
    }

    /** The object is not what its manifest says (size or SHA-256): it will be the same the next time. */
    static final class ObjectMismatch extends IOException {
        ObjectMismatch(String message) {
            super(message);
        }
    }

    private void syncDirectory() {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            LOG.log(Level.FINE, "cannot sync the directory " + directory + " (not supported here?)", e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
