package io.duckserving.jdbc.replica;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fault injector for what S3Proxy cannot do: a tiny HTTP/1.1 server on loopback that answers
 * each path with a scripted {@link Answer} (a manifest far too large, an object that trickles in
 * one byte at a time, a response that never comes). It ignores the request's signature; the
 * driver's client signs as usual.
 */
final class FaultyHttpStore implements AutoCloseable {
    /** Writes the whole HTTP response (status line, headers, body) for one request, however slowly. */
    interface Answer {
        void write(OutputStream out) throws IOException, InterruptedException;
    }

    private final ServerSocket server;
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
    private final Thread acceptor;

    FaultyHttpStore() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = new Thread(this::acceptAll, "faulty-http-store");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** The endpoint for serving_s3_endpoint (path style). */
    String endpoint() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** Answers requests whose path ends with {@code pathSuffix} with {@code answer}. */
    FaultyHttpStore on(String pathSuffix, Answer answer) {
        answers.put(pathSuffix, answer);
        return this;
    }

    /** How many requests asked for a path ending with {@code pathSuffix}. */
    int requests(String pathSuffix) {
        return requests.computeIfAbsent(pathSuffix, k -> new AtomicInteger()).get();
    }

    /** A complete 200 response with {@code body}. */
    static Answer ok(byte[] body) {
        return out -> {
            out.write(headers(body.length));
            out.write(body);
            out.flush();
        };
    }

    /** The status line and headers of a 200 response of {@code length} bytes. */
    static byte[] headers(long length) {
        return ("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nETag: \"faulty\"\r\n"
                + "Content-Length: " + length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private void acceptAll() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                Thread t = new Thread(() -> answer(socket), "faulty-http-store-connection");
                t.setDaemon(true);
                t.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void answer(Socket socket) {
        try (socket) {
            String path = readRequestPath(socket.getInputStream());
            for (Map.Entry<String, Answer> e : answers.entrySet()) {
                if (path.endsWith(e.getKey())) {
                    requests.computeIfAbsent(e.getKey(), k -> new AtomicInteger()).incrementAndGet();
                    e.getValue().write(socket.getOutputStream());
                    return;
                }
            }
            socket.getOutputStream().write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
        } catch (IOException | InterruptedException e) {
            // the client gave up, or the test ended: nothing to answer
        }
    }

    /** Reads the request head (the client sends no body with GET) and returns its path, query removed. */
    private static String readRequestPath(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            String s = head.toString(StandardCharsets.US_ASCII);
            if (s.endsWith("\r\n\r\n")) {
                String target = s.substring(s.indexOf(' ') + 1, s.indexOf(' ', s.indexOf(' ') + 1));
                int query = target.indexOf('?');
                return query < 0 ? target : target.substring(0, query);
            }
        }
        throw new IOException("the client closed the connection mid-request");
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
