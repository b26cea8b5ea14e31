package dev.aip.core.governance;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The in-memory {@link BudgetStore}.
 *
 * <p>Each account is guarded by its own monitor: the check and the increment of a reservation, and the release and
 * charge of a settlement, happen under it, so they are atomic per account and accounts never contend with each
 * other. Open reservations are kept by id, so settlement is idempotent and {@code reserved} is always their sum.
 * An account is evicted only when it holds no reservation, and marked so that a reserve racing with the eviction
 * retries on a fresh account instead of writing to a dropped one.
 *
 * <p>Reservation ids are numbers, unique in the store: each account draws a range of 2<sup>32</sup> from a shared
 * counter when it is created (and another when it has used one up) and numbers its reservations from it under its own
 * monitor, so reserving touches no state shared between accounts or with a concurrent settlement, and an account
 * created again after an eviction never reuses an id of the one before it.
 */
final class LocalBudgetStore implements BudgetStore {

    private static final long RANGE = 1L << 32;

    private final Map<BudgetKey, Account> accounts = new ConcurrentHashMap<>();
    private final AtomicLong ranges = new AtomicLong();

    @Override
    public Reservation reserve(BudgetKey key, BigDecimal amountUsd, BigDecimal limitUsd) {
        Objects.requireNonNull(key, "key");
        if (amountUsd.signum() < 0 || limitUsd.signum() <= 0) {
            throw new IllegalArgumentException("Cannot reserve " + amountUsd + " USD against a limit of " + limitUsd);
        }
        while (true) {
            Account account = accounts.get(key);
            if (account == null) {
                account = accounts.computeIfAbsent(key, k -> new Account(ranges.getAndAdd(RANGE)));
            }
            BigDecimal headroom;
            long id;
            synchronized (account) {
                if (account.evicted) {
                    continue;
                }
                headroom = limitUsd.subtract(account.spent).subtract(account.reserved);
                if (headroom.compareTo(amountUsd) < 0) {
                    id = -1;
                } else {
                    id = account.nextId(ranges);
                    account.holds.put(id, amountUsd);
                    account.reserved = account.reserved.add(amountUsd);
                }
            }
            // the answer is built outside the monitor, which other threads of the tenant are waiting for
            return id < 0 ? new Reservation(key, "refused", amountUsd, false, headroom)
                    : new Reservation(key, Long.toString(id), amountUsd, true, headroom.subtract(amountUsd));
        }
    }

    @Override
    public Settlement settle(Reservation reservation, BigDecimal actualUsd) {
        Objects.requireNonNull(reservation, "reservation");
        if (actualUsd.signum() < 0) {
            throw new IllegalArgumentException("Actual cost is negative: " + actualUsd);
        }
        Account account = accounts.get(reservation.key());
        Long id = id(reservation);
        if (account == null || id == null) {
            return new Settlement(reservation.key(), BigDecimal.ZERO, BigDecimal.ZERO, false);
        }
        BigDecimal before;
        BigDecimal after;
        boolean applied;
        synchronized (account) {
            BigDecimal held = account.holds.remove(id);
            before = account.spent;
            applied = held != null;
            if (applied) {
                account.reserved = account.reserved.subtract(held);
                account.spent = before.add(actualUsd);
            }
            after = account.spent;
        }
        return new Settlement(reservation.key(), before, after, applied);
    }

    /** A granted reservation's id; {@code null} for an id this store never gives out. */
    private static Long id(Reservation reservation) {
        if (!reservation.granted()) {
            return null;
        }
        try {
            return Long.valueOf(reservation.id());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    @Override
    public Usage usage(BudgetKey key) {
        Account account = accounts.get(key);
        if (account == null) {
            return Usage.NONE;
        }
        synchronized (account) {
            return new Usage(account.spent, account.reserved, account.holds.size());
        }
    }

    @Override
    public void evictEnded(Instant before) {
        accounts.forEach((key, account) -> {
            if (!key.end().isAfter(before)) {
                synchronized (account) {
                    if (account.holds.isEmpty()) {
                        account.evicted = true;
                        accounts.remove(key, account);
                    }
                }
            }
        });
    }

    /** Spent and reserved amounts of one tenant in one period; guarded by its own monitor. */
    private static final class Account {
        BigDecimal spent = BigDecimal.ZERO;
        BigDecimal reserved = BigDecimal.ZERO;
        final Map<Long, BigDecimal> holds = new HashMap<>();
        boolean evicted;
        private long next;
        private long rangeEnd;

        Account(long range) {
            next = range;
            rangeEnd = range + RANGE;
        }

        /** The next id of this account's range, drawing a new range when it is used up. */
        long nextId(AtomicLong ranges) {
            if (next == rangeEnd) {
                next = ranges.getAndAdd(RANGE);
                rangeEnd = next + RANGE;
            }
            return next++;
        }
    }
}
