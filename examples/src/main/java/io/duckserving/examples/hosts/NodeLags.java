package io.duckserving.examples.hosts;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What one reader node did during the many-hosts run: how soon it served each publish, and its own counts. */
record NodeLags(String node, List<Long> lagsMillis, int publishesMissed, long rollbackLagMillis, List<String> errors,
        Map<String, String> summary) {

    NodeLags {
        lagsMillis = List.copyOf(lagsMillis);
        errors = List.copyOf(errors);
        summary = Map.copyOf(summary);
    }

    long median() {
        if (lagsMillis.isEmpty()) {
            return -1;
        }
        List<Long> sorted = new ArrayList<>(lagsMillis);
        sorted.sort(null);
        return sorted.get(sorted.size() / 2);
    }

    long max() {
        return lagsMillis.stream().mapToLong(Long::longValue).max().orElse(-1);
    }

    long count(String field) {
        String value = summary.get(field);
        return value == null ? -1 : Long.parseLong(value);
    }

    boolean ok() {
        return errors.isEmpty() && publishesMissed == 0 && rollbackLagMillis >= 0 && count("errors") == 0
                && count("torn") == 0 && count("queries") > 0;
    }
}
