package io.duckserving.jdbc;

import io.duckserving.jdbc.replica.Replica;
import io.duckserving.jdbc.replica.Replicas;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;

/**
 * A reader JVM of an {@code s3://} URL, for tests across processes: connects (the first download
 * happens then), prints {@code connected version=V downloads=D}, then answers {@code wait N} lines
 * on stdin with {@code seen N downloads=D} once it reads version N; exits at the end of stdin.
 * Downloads are this JVM's own (its replica's MXBean counter).
 */
public final class ReplicaReaderProcess {
    private ReplicaReaderProcess() {
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        Path served = Path.of(args[1]);
        try (Connection c = DriverManager.getConnection(url)) {
            Replica replica = Replicas.of(served);
            System.out.println("connected version=" + SnapshotFiles.readVersion(c) + " downloads=" + replica.getDownloads());
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.startsWith("wait ")) {
                    int version = Integer.parseInt(line.substring(5).trim());
                    long deadline = System.nanoTime() + 60_000_000_000L;
                    while (SnapshotFiles.readVersion(c) != version && System.nanoTime() - deadline < 0) {
                        Thread.sleep(10);
                    }
                    System.out.println("seen " + SnapshotFiles.readVersion(c) + " downloads=" + replica.getDownloads());
                }
            }
        }
    }
}
