package io.duckserving.jdbc.replica;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;

/** The manifest and state-file JSON (snake_case; unknown fields ignored): the only class here that uses Jackson. */
final class ManifestJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int MAX_EXCERPT_BYTES = 300;
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private ManifestJson() {
    }

    /** Parses and checks a manifest of {@code location}; the exception names the bucket and key and what is wrong. */
    static Manifest parse(byte[] body, String etag, S3Location location) throws IOException {
        String where = location + " (" + location.manifestKey() + ")";
        JsonNode root;
        try {
            root = MAPPER.readTree(body);
        } catch (IOException e) {
            // Jackson's message quotes the source; the excerpt keeps a large broken manifest out of logs and metrics.
            String why = e instanceof JsonProcessingException json ? json.getOriginalMessage() : e.getMessage();
            throw new IOException("the manifest of " + where + " is not JSON (" + why + "): " + excerpt(body), e);
        }
        if (root == null || !root.isObject()) {
            throw new IOException("the manifest of " + where + " is not a JSON object");
        }
        JsonNode format = root.get("format");
        if (format == null || !format.canConvertToInt()) {
            throw new IOException("the manifest of " + where + " has no numeric \"format\"");
        }
        if (format.asInt() > Manifest.FORMAT) {
            throw new IOException("the manifest of " + where + " has format " + format.asInt()
                    + ": a newer exporter wrote it; upgrade the driver (it reads format " + Manifest.FORMAT + ")");
        }
        String publishId = text(root, "publish_id");
        String objectKey = text(root, "object_key");
        String sha256 = text(root, "sha256");
        JsonNode size = root.get("size");
        if (publishId == null || objectKey == null || sha256 == null || !SHA256.matcher(sha256).matches()
                || size == null || !size.canConvertToLong() || size.asLong() < 0) {
            throw new IOException("the manifest of " + where + " lacks a valid publish_id, object_key, size or "
                    + "sha256 (64 lowercase hex digits): " + excerpt(body));
        }
        String generations = location.key() + "/generations/";
        String name = objectKey.startsWith(generations) ? objectKey.substring(generations.length()) : "";
        if (!name.endsWith(".duckdb") || name.length() == ".duckdb".length() || name.contains("/")) {
            // Whoever can write the manifest could otherwise make every reader host download any object
            // its credentials reach (another dataset of the bucket) and serve it as this one.
            throw new IOException("the manifest of " + where + " names the object " + objectKey + ", which is not a "
                    + "generation of this target (" + generations + "<publish id>.duckdb); publish it with the exporter");
        }
        return new Manifest(publishId, objectKey, size.asLong(), sha256, instant(root, "published_at"), etag);
    }

    /** The start of a manifest for an error message, which is logged and shown in the metrics: not all of it. */
    static String excerpt(byte[] body) {
        String text = new String(body, 0, Math.min(body.length, MAX_EXCERPT_BYTES), StandardCharsets.UTF_8);
        return body.length <= MAX_EXCERPT_BYTES ? text : text + "... (" + body.length + " bytes)";
    }

    static ReplicaState readState(byte[] body) throws IOException {
        JsonNode root = MAPPER.readTree(body);
        if (root == null || !root.isObject() || text(root, "publish_id") == null || text(root, "sha256") == null) {
            throw new IOException("not a replica state");
        }
        return new ReplicaState(text(root, "source"), text(root, "publish_id"), text(root, "sha256"),
                root.path("size").asLong(-1), text(root, "etag"), instant(root, "published_at"),
                instant(root, "installed_at"), root.path("last_successful_poll_ms").asLong(0));
    }

    static byte[] writeState(ReplicaState s) throws IOException {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("source", s.source());
        root.put("publish_id", s.publishId());
        root.put("sha256", s.sha256());
        root.put("size", s.size());
        root.put("etag", s.etag());
        root.put("published_at", s.publishedAt() == null ? null : s.publishedAt().toString());
        root.put("installed_at", s.installedAt() == null ? null : s.installedAt().toString());
        root.put("last_successful_poll_ms", s.lastSuccessfulPollMillis());
        return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
    }

    private static String text(JsonNode root, String field) {
        JsonNode n = root.get(field);
        return n == null || !n.isTextual() || n.asText().isEmpty() ? null : n.asText();
    }

    private static Instant instant(JsonNode root, String field) {
        String t = text(root, field);
        try {
            return t == null ? null : Instant.parse(t);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
