package io.duckserving.jdbc.snapshot;

import java.util.List;

/**
 * The most recent distinct read queries of one connection (distinct by SQL text: a query run
 * again replaces its older entry, with its newest parameters). Recording is a few reference
 * comparisons on a small array, cheap enough for every statement.
 */
final class RecentQueries {
    private final RecentQuery[] slots;

    RecentQueries(int capacity) {
        this.slots = new RecentQuery[capacity];
    }

    synchronized void record(String sql, Parameters parameters, SessionState session, long nowNanos) {
        if (slots.length == 0) {
            return;
        }
        int target = -1;
        for (int i = 0; i < slots.length; i++) {
            RecentQuery q = slots[i];
            if (q == null || q.sql().equals(sql)) {
                target = i;
                break;
            }
        }
        if (target < 0) {
            target = oldest();
        }
        slots[target] = new RecentQuery(sql, parameters, session, nowNanos);
    }

    private int oldest() {
        int oldest = 0;
        for (int i = 1; i < slots.length; i++) {
            if (slots[i].ranAtNanos() - slots[oldest].ranAtNanos() < 0) {
                oldest = i;
            }
        }
        return oldest;
    }

    synchronized void copyTo(List<RecentQuery> sink) {
        for (RecentQuery q : slots) {
            if (q != null) {
                sink.add(q);
            }
        }
    }
}
