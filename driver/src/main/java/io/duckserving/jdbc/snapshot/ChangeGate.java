package io.duckserving.jdbc.snapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * Lets a statement skip the {@code stat} of the published path when provably nothing changed:
 * the kernel queues an inotify event inside {@code rename(2)}, before it returns, so an empty
 * queue (one {@code ioctl(FIONREAD)}, cheaper after a query than a path walk, which evicts what
 * DuckDB had in the CPU caches) proves that no rename, link or delete happened in the published
 * file's directory, or in any directory above it, since the events were last read.
 *
 * <p>The protocol, lock-free on the readers' path: a reader that finds events queued drains
 * them ({@link #drain()} numbers the drain, in the order the events are read), then stats the
 * path as before; if the path still holds the file of the snapshot it was about to use, it
 * {@link #settle settles} that drain for that snapshot. A reader may skip the stat only if the
 * queue is empty, no drain began since the last settled one (a drain in progress, whose stat
 * might still find a new file, sends every reader to the stat), and the snapshot it is about to
 * use is the one that drain was settled for (a reader that read the current snapshot before a
 * swap must not trust a settle made after it).
 *
 * <p>Used only where every change reaches the watch: Linux, Java 22+ with native access, a local
 * file system (not NFS, FUSE or overlay, whose changes made elsewhere send no event), and a path
 * without symbolic links (a flipped link is no event in these directories). A watch that is
 * lost (a directory removed, unmounted, or moved) turns the gate off for good: back to stat.
 */
final class ChangeGate {
    private static final Logger LOG = Logger.getLogger(Engine.LOGGER_NAME);
    /** File systems whose every change goes through this kernel's inotify. */
    private static final Set<String> LOCAL = Set.of("ext2", "ext3", "ext4", "xfs", "btrfs", "tmpfs", "zfs", "f2fs",
            "bcachefs", "jfs", "reiserfs");
    private static final int WATCHED_NAMES = Inotify.IN_CREATE | Inotify.IN_DELETE | Inotify.IN_MOVED_FROM
            | Inotify.IN_MOVED_TO | Inotify.IN_DELETE_SELF | Inotify.IN_MOVE_SELF | Inotify.IN_ONLYDIR;
    private static final int LOST = Inotify.IN_IGNORED | Inotify.IN_DELETE_SELF | Inotify.IN_MOVE_SELF
            | Inotify.IN_UNMOUNT;

    /** A drain whose stat found {@code snapshot} still at the path. */
    record Settled(long drain, Snapshot snapshot) {
    }

    private static final Settled NONE = new Settled(0, null);

    private final int fd;
    /** Written only under this gate's monitor, in the order events are read. */
    private final AtomicLong drains = new AtomicLong();
    private volatile Settled settled = NONE;
    private volatile boolean broken;
    /** Guarded by this gate's monitor: once closed, the descriptor number may belong to another file. */
    private boolean closed;

    private ChangeGate(int fd) {
        this.fd = fd;
    }

    /** A gate for {@code path}, or null (with the reason at FINE) where the stat must stay. */
    static ChangeGate of(Path path) {
        String why = whyNot(path);
        if (why != null) {
            LOG.fine(() -> path + ": every statement stats the path (" + why + ")");
            return null;
        }
        int fd = Inotify.init();
        if (fd < 0) {
            LOG.fine(() -> path + ": no inotify descriptor; every statement stats the path");
            return null;
        }
        for (Path dir = path.getParent(); dir != null; dir = dir.getParent()) {
            if (Inotify.addWatch(fd, dir.toString(), WATCHED_NAMES) < 0) {
                Path failed = dir;
                LOG.fine(() -> path + ": cannot watch " + failed + " (inotify watch limit?); every statement stats the path");
                Inotify.close(fd);
                return null;
            }
        }
        LOG.fine(() -> path + ": statements look at an inotify queue instead of stat-ing the path");
        return new ChangeGate(fd);
    }

    /** Why no gate can be strict for {@code path}, or null. */
    static String whyNot(Path path) {
        if (!Inotify.available()) {
            return Inotify.whyNot();
        }
        try {
            if (!path.toRealPath().equals(path)) {
                return "the path goes through a symbolic link, which may be flipped without an event";
            }
            String type = Files.getFileStore(path).type().toLowerCase(Locale.ROOT);
            if (!LOCAL.contains(type)) {
                return "its file system (" + type + ") may change without an inotify event";
            }
        } catch (IOException e) {
            return "cannot look at it: " + e;
        }
        return null;
    }

    /** The last settled drain: read it before {@link #quiet}. */
    Settled settled() {
        return settled;
    }

    /**
     * Whether nothing happened at the path since {@code settled} found {@code current} there: the
     * stat may be skipped for a statement about to use {@code current}.
     */
    boolean quiet(Settled settled, Snapshot current) {
        return settled.snapshot == current && !broken && Inotify.queued(fd) == 0 && drains.get() == settled.drain;
    }

    /** Reads every queued event; returns this drain's number, for {@link #settle}. */
    long drain() {
        byte[] buffer = new byte[4096];
        synchronized (this) {
            long drain = drains.incrementAndGet();
            if (closed) {
                return drain;
            }
            long n;
            while ((n = Inotify.read(fd, buffer)) > 0) {
                for (int at = 0; at + 16 <= n; ) {
                    int mask = intAt(buffer, at + 4);
                    if ((mask & LOST) != 0) {
                        broken = true; // a watched directory went away: events may be missed from now on
                    }
                    at += 16 + intAt(buffer, at + 12);
                }
            }
            return drain;
        }
    }

    /** After drain {@code drain}, a stat found {@code snapshot}'s file still at the path. */
    void settle(long drain, Snapshot snapshot) {
        synchronized (this) {
            if (drains.get() == drain && !closed) {
                settled = new Settled(drain, snapshot); // no later drain has begun: nothing was missed
            }
        }
    }

    boolean isBroken() {
        return broken;
    }

    /** Only when no reader can use this gate any more (its registry closed): then the descriptor goes. */
    void close() {
        synchronized (this) {
            if (!closed) {
                closed = true;
                broken = true;
                Inotify.close(fd);
            }
        }
    }

    private static int intAt(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }
}
