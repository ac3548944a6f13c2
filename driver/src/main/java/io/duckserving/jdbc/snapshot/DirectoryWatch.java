package io.duckserving.jdbc.snapshot;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Tells registries at once when a name in their directory changes: one {@link WatchService}
 * (inotify on Linux) and one thread per JVM, however many directories and paths are followed. A
 * rename over a published file arrives as a create event of its name within milliseconds. File
 * systems that send no events (NFS, some container mounts) are covered by each registry's
 * periodic check, which stays on.
 */
final class DirectoryWatch {
    private static final Logger LOG = Logger.getLogger(Engine.LOGGER_NAME);

    /** Called on the watch thread: must not block (it starts background work at most). */
    interface Listener {
        /** {@code name} in the directory was created (or renamed to) or deleted (or renamed away). */
        void changed(String name, boolean deleted);

        /** Events were lost (queue overflow): look at everything again. */
        void overflowed();
    }

    /** Undoes one {@link #register}. */
    interface Registration extends AutoCloseable {
        @Override
        void close();
    }

    private static final Registration NONE = () -> { };
    private static volatile DirectoryWatch instance;

    private final WatchService service;
    /** Guarded by this. */
    private final Map<Path, Watched> byDirectory = new HashMap<>();
    private final Map<WatchKey, Watched> byKey = new ConcurrentHashMap<>();

    private DirectoryWatch(WatchService service) {
        this.service = service;
        Thread t = new Thread(this::loop, "duckdb-serving-directory-watch");
        t.setDaemon(true);
        t.start();
    }

    /** The JVM's watch, or null where the file system offers none (then the periodic check alone notices). */
    private static DirectoryWatch get() {
        DirectoryWatch w = instance;
        if (w == null) {
            synchronized (DirectoryWatch.class) {
                w = instance;
                if (w == null) {
                    try {
                        w = new DirectoryWatch(FileSystems.getDefault().newWatchService());
                        instance = w;
                    } catch (IOException | UnsupportedOperationException e) {
                        LOG.log(Level.FINE, "no directory watch service; new files are noticed by the periodic check", e);
                        return null;
                    }
                }
            }
        }
        return w;
    }

    /**
     * Watches {@code directory} for {@code listener}; where it cannot be watched (too many inotify
     * watches, a file system without events), returns a registration that does nothing.
     */
    static Registration register(Path directory, Listener listener) {
        DirectoryWatch w = get();
        return w == null ? NONE : w.add(directory, listener);
    }

    private synchronized Registration add(Path directory, Listener listener) {
        Watched watched = byDirectory.get(directory);
        if (watched == null || !watched.key.isValid()) {
            WatchKey key;
            try {
                // No ENTRY_MODIFY: a publish is a rename (a create of the name) or a link, and an
                // exporter writing gigabytes beside the file would send an event per write.
                key = directory.register(service, StandardWatchEventKinds.ENTRY_CREATE,
                        StandardWatchEventKinds.ENTRY_DELETE);
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.FINE, "cannot watch " + directory + "; new files there are noticed by the periodic "
                        + "check only", e);
                return NONE;
            }
            watched = new Watched(directory, key);
            byDirectory.put(directory, watched);
            byKey.put(key, watched);
        }
        Watched w = watched;
        w.listeners.add(listener);
        return () -> remove(w, listener);
    }

    private synchronized void remove(Watched watched, Listener listener) {
        watched.listeners.remove(listener);
        if (watched.listeners.isEmpty() && byDirectory.get(watched.directory) == watched) {
            byDirectory.remove(watched.directory);
            byKey.remove(watched.key);
            watched.key.cancel();
        }
    }

    private void loop() {
        while (true) {
            WatchKey key;
            try {
                key = service.take();
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            }
            Watched watched = byKey.get(key);
            for (WatchEvent<?> event : key.pollEvents()) {
                if (watched == null) {
                    continue;
                }
                for (Listener l : watched.listeners) {
                    try {
                        if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                            l.overflowed();
                        } else {
                            l.changed(event.context().toString(), event.kind() == StandardWatchEventKinds.ENTRY_DELETE);
                        }
                    } catch (RuntimeException e) {
                        LOG.log(Level.WARNING, "a directory watch listener failed", e);
                    }
                }
            }
            if (!key.reset() && watched != null) {
                // The directory is gone or was replaced: the periodic check takes over until a
                // registry registers it again.
                synchronized (this) {
                    if (byDirectory.get(watched.directory) == watched) {
                        byDirectory.remove(watched.directory);
                    }
                    byKey.remove(key);
                }
            }
        }
    }

    private static final class Watched {
        final Path directory;
        final WatchKey key;
        final Set<Listener> listeners = ConcurrentHashMap.newKeySet();

        Watched(Path directory, WatchKey key) {
            this.directory = directory;
            this.key = key;
        }
    }
}
