package dev.aip.core.governance;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The permits open in one {@link Governance}, for the lease sweeper and {@link Governance#openPermits()}.
 *
 * <p>Striped intrusive lists: a permit joins the list of its admitting thread's stripe and leaves it, from whichever
 * thread settles it, under that stripe's monitor. Threads are given stripes in turn on their first admission, so
 * that up to as many threads as there are stripes each have their own, and admissions on different threads take
 * different, uncontended monitors; the permit is its own list node, so registering allocates nothing. (A concurrent
 * set would allocate a node per permit and make every thread update one shared size.)
 *
 * <p>Thread-safe. A grant's {@code stripe}, {@code prev} and {@code next} are guarded by its stripe's monitor.
 */
final class OpenPermits {

    /** Each thread's turn, given once per thread: its stripe in every registry is {@code turn & mask}. */
    private static final AtomicInteger TURNS = new AtomicInteger();
    private static final ThreadLocal<Integer> TURN = ThreadLocal.withInitial(TURNS::getAndIncrement);

    private final Stripe[] stripes;
    private final int mask;

    OpenPermits() {
        int n = Integer.highestOneBit(Math.max(16, Runtime.getRuntime().availableProcessors() * 4) - 1) << 1;
        stripes = new Stripe[n];
        for (int i = 0; i < n; i++) {
            stripes[i] = new PaddedStripe();
        }
        mask = n - 1;
    }

    void add(GovernancePermit grant) {
        Stripe s = stripes[TURN.get() & mask];
        synchronized (s) {
            grant.stripe = s;
            GovernancePermit head = s.head;
            grant.next = head;
            if (head != null) {
                head.prev = grant;
            }
            s.head = grant;
            s.size++;
        }
    }

    /** Removes a registered grant; a second removal changes nothing. */
    void remove(GovernancePermit grant) {
        Stripe s = grant.stripe;
        if (s == null) {
            return;
        }
        synchronized (s) {
            if (grant.stripe != s) {
                return;
            }
            GovernancePermit prev = grant.prev;
            GovernancePermit next = grant.next;
            if (prev == null) {
                s.head = next;
            } else {
                prev.next = next;
            }
            if (next != null) {
                next.prev = prev;
            }
            grant.prev = null;
            grant.next = null;
            grant.stripe = null;
            s.size--;
        }
    }

    int size() {
        int n = 0;
        for (Stripe s : stripes) {
            synchronized (s) {
                n += s.size;
            }
        }
        return n;
    }

    /** The grants whose lease ends at or before an instant, in epoch milliseconds; still registered. */
    List<GovernancePermit> expiredAt(long nowMillis) {
        List<GovernancePermit> expired = new ArrayList<>();
        for (Stripe s : stripes) {
            synchronized (s) {
                for (GovernancePermit g = s.head; g != null; g = g.next) {
                    if (g.expiresAtMillis <= nowMillis) {
                        expired.add(g);
                    }
                }
            }
        }
        return expired;
    }

    /** One list; its monitor guards it. */
    static class Stripe {
        GovernancePermit head;
        int size;
    }

    /**
     * A stripe followed by 128 bytes, so that two stripes' monitors and heads never share a cache line (fields of a
     * superclass are laid out first).
     */
    @SuppressWarnings("unused")
    static final class PaddedStripe extends Stripe {
        long p0, p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, p11, p12, p13, p14, p15;
    }
}
