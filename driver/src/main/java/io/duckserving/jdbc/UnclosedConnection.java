package io.duckserving.jdbc;

import io.duckserving.jdbc.snapshot.SnapshotBinding;
import java.lang.ref.Cleaner;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Releases the {@link SnapshotBinding} of a connection that became unreachable without being
 * closed, so it does not keep its registry and snapshot file open for the life of the JVM, and
 * logs one warning. It holds the binding and the path, never the connection (which would then
 * stay reachable for ever). Where the connection was opened is captured only when
 * {@code serving_log_unclosed_connections=true}, so by default a connection costs no stack walk.
 */
final class UnclosedConnection implements Runnable {
    private static final Logger LOG = Logger.getLogger(ServingDriver.LOGGER_NAME);

    /** One cleaner thread for the driver, started with the first connection (a daemon: it never keeps a JVM up). */
    private static final class Holder {
        static final Cleaner CLEANER = Cleaner.create(r -> {
            Thread t = new Thread(r, "duckdb-serving-cleaner");
            t.setDaemon(true);
            return t;
        });
    }

    private final SnapshotBinding binding;
    /** The replica an s3:// connection holds a share of, or null. */
    private final ReplicaLease replica;
    private final String path;
    /** Where the connection was opened, or null unless the property asks for it. */
    private final Throwable openedAt;
    /** Set by {@link #closed()}: the connection was closed by its user, nothing to report. */
    private volatile boolean closed;

    private UnclosedConnection(SnapshotBinding binding, ReplicaLease replica, Throwable openedAt) {
        this.binding = binding;
        this.replica = replica;
        this.path = binding.path().toString();
        this.openedAt = openedAt;
    }

    /** Watches {@code connection}, which uses {@code binding}; call {@link Cleaner.Cleanable#clean()} when it closes. */
    static Watch watch(Object connection, SnapshotBinding binding, boolean recordOpener, ReplicaLease replica) {
        UnclosedConnection action = new UnclosedConnection(binding, replica,
                recordOpener ? new Throwable("the unclosed connection was opened here") : null);
        return new Watch(action, Holder.CLEANER.register(connection, action));
    }

    /** The connection's handle: {@link #closed()} releases nothing itself, the connection does that. */
    static final class Watch {
        private final UnclosedConnection action;
        private final Cleaner.Cleanable cleanable;

        private Watch(UnclosedConnection action, Cleaner.Cleanable cleanable) {
            this.action = action;
            this.cleanable = cleanable;
        }

        /** The connection was closed (its binding too): lets go of its replica, stops watching it, without a warning. */
        void closed() {
            action.closed = true;
            cleanable.clean();
            if (action.replica != null) {
                action.replica.close();
            }
        }
    }

    @Override
    public void run() {
        if (closed) {
            return;
        }
        if (openedAt == null) {
            LOG.warning(() -> "A connection to " + path + " was garbage collected without being closed; its snapshot "
                    + "is released now. Close every connection (try-with-resources); set "
                    + ServingProperty.LOG_UNCLOSED_CONNECTIONS.getName() + "=true to log where it was opened.");
        } else {
            LOG.log(Level.WARNING, openedAt, () -> "A connection to " + path + " was garbage collected without being "
                    + "closed; its snapshot is released now. Close every connection (try-with-resources); it was "
                    + "opened at the stack trace below.");
        }
        binding.close();
        if (replica != null) {
            replica.close();
        }
    }
}
