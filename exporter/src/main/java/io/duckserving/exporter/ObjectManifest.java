package io.duckserving.exporter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The manifest of one generation on object storage (format 1 of the contract shared with the
 * driver): what {@code KEY/manifest.json} holds while it is current, and
 * {@code KEY/generations/<publishId>.json} holds for good. Readers ignore unknown fields.
 */
record ObjectManifest(String publishId, String objectKey, long size, String sha256, Instant publishedAt,
        String source, Map<String, Long> tables) {

    static final int FORMAT = 1;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    ObjectNode toJson() {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("format", FORMAT);
        node.put("publish_id", publishId);
        node.put("object_key", objectKey);
        node.put("size", size);
        node.put("sha256", sha256);
        node.put("published_at", publishedAt.toString());
        node.put("source", source);
        ObjectNode t = node.putObject("tables");
        tables.forEach(t::put);
        return node;
    }

    byte[] toBytes() {
        return bytes(toJson());
    }

    /** This generation's JSON with {@code rolled_back_at}: what a rollback writes as manifest.json. */
    byte[] rolledBackBytes(Instant at) {
        ObjectNode node = toJson();
        node.put("rolled_back_at", at.toString());
        return bytes(node);
    }

    static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write a manifest", e);
        }
    }

    /** Parses a manifest; IOException says which field is missing or wrong. */
    static ObjectManifest parse(byte[] json) throws IOException {
        JsonNode node = MAPPER.readTree(json);
        if (node == null || !node.isObject()) {
            throw new IOException("not a JSON object");
        }
        int format = node.path("format").asInt(-1);
        if (format != FORMAT) {
            throw new IOException("format " + node.path("format") + " is not " + FORMAT
                    + (format > FORMAT ? " (a newer exporter wrote it: upgrade this one)" : ""));
        }
        String publishId = text(node, "publish_id");
        if (!History.isPublishId(publishId)) {
            throw new IOException("publish_id '" + publishId + "' is not a publish id");
        }
        long size = node.path("size").asLong(-1);
        String sha256 = text(node, "sha256");
        if (size < 0 || sha256 == null || !sha256.matches("[0-9a-f]{64}")) {
            throw new IOException("size or sha256 is missing or invalid");
        }
        Instant at;
        try {
            at = Instant.parse(text(node, "published_at"));
        } catch (RuntimeException e) {
            throw new IOException("published_at is missing or not an ISO-8601 instant");
        }
        Map<String, Long> tables = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.path("tables").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            tables.put(e.getKey(), e.getValue().asLong());
        }
        return new ObjectManifest(publishId, text(node, "object_key"), size, sha256, at, text(node, "source"),
                tables);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    long totalRows() {
        return tables.values().stream().mapToLong(Long::longValue).sum();
    }
}
