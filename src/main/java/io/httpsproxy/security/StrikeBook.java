package io.httpsproxy.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import inet.ipaddr.IPAddress;
import inet.ipaddr.ipv6.IPv6Address;
import io.httpsproxy.config.AuthGuardConfig;
import java.util.function.LongSupplier;

/**
 * Failed logins per client address and per user name, and the lockouts they earn. Thread-safe:
 * shared by every event loop of a node (Caffeine's maps, updated with {@code compute}).
 *
 * <ul>
 *   <li>An address (IPv6: its /64, what one host or site usually holds) is locked after {@code
 *       authFailureLimit} failures for {@code authLockout}, doubled per further failure up to
 *       {@code authLockoutMax}.
 *   <li>A user name is counted the same way over every address, but its lockout holds only for the
 *       addresses that have failed on it: guessing from elsewhere cannot lock the real user out.
 *   <li>A success forgets that address's failures on that name, nothing else: it resets no other
 *       address's count, and it cannot wipe the count of the address it came from (an attacker with
 *       one valid account would otherwise earn fresh guesses with it).
 * </ul>
 *
 * Memory is bounded: each table holds at most {@link #MAX_ENTRIES} keys (the least used go first),
 * and an entry is forgotten {@code authLockoutMax} after its last failure or the end of its
 * lockout, whichever is later, so a lockout that ends is followed by a window in which the next
 * failure locks again at once.
 */
public final class StrikeBook {
  static final int MAX_ENTRIES = 100_000;

  /**
   * Failures counted under one key.
   *
   * @param lockedUntil end of the lockout on the book's clock (nanoseconds); {@link #NEVER} = never
   *     locked (nanoTime may be negative, so 0 cannot mean none)
   * @param forgetAt when the entry expires
   */
  record Strikes(int failures, long lockedUntil, long forgetAt) {}

  private static final long NEVER = Long.MIN_VALUE;

  private final LongSupplier clock;
  private final Cache<String, Strikes> byAddress;
  private final Cache<String, Strikes> byName;

  /** Key: name + '\n' + address group; present while that address has failures on that name. */
  private final Cache<String, Strikes> pairs;

  public StrikeBook() {
    this(System::nanoTime);
  }

  /** With another clock (nanoseconds), for tests. */
  StrikeBook(LongSupplier clock) {
    this.clock = clock;
    this.byAddress = table(clock);
    this.byName = table(clock);
    this.pairs = table(clock);
  }

  private static Cache<String, Strikes> table(LongSupplier clock) {
    return Caffeine.newBuilder()
        .maximumSize(MAX_ENTRIES)
        // Upkeep on the writing thread: a few map operations, and the bound holds at once.
        .executor(Runnable::run)
        .ticker(clock::getAsLong)
        .expireAfter(
            new Expiry<String, Strikes>() {
              @Override
              public long expireAfterCreate(String k, Strikes s, long now) {
                return Math.max(0, s.forgetAt() - now);
              }

              @Override
              public long expireAfterUpdate(String k, Strikes s, long now, long left) {
                return Math.max(0, s.forgetAt() - now);
              }

              @Override
              public long expireAfterRead(String k, Strikes s, long now, long left) {
                return left;
              }
            })
        .build();
  }

  /**
   * Nanoseconds left of the lockout that holds for {@code group} trying {@code name} (null: no
   * name, as for a malformed credential); 0 when none does.
   */
  public long lockedNanos(String group, String name) {
    long now = clock.getAsLong();
    long left = left(byAddress.getIfPresent(group), now);
    if (name != null && pairs.getIfPresent(pairKey(group, name)) != null) {
      left = Math.max(left, left(byName.getIfPresent(name), now));
    }
    return left;
  }

  /**
   * Counts a failed login of {@code group} on {@code name} (null: none); true when it locked the
   * address or the name (a new lockout, or a longer one).
   */
  public boolean fail(String group, String name, AuthGuardConfig cfg) {
    long now = clock.getAsLong();
    boolean locked = strike(byAddress, group, now, cfg);
    if (name != null) {
      locked |= strike(byName, name, now, cfg);
      long forget = now + cfg.lockoutMax().toNanos();
      pairs.asMap().put(pairKey(group, name), new Strikes(1, NEVER, forget));
    }
    return locked;
  }

  /** A correct password of {@code name} from {@code group}: its failures there are forgotten. */
  public void succeeded(String group, String name) {
    if (name != null) {
      pairs.invalidate(pairKey(group, name));
    }
  }

  /** Addresses and names with failures on record (estimates, for /stats). */
  public long addresses() {
    return byAddress.estimatedSize();
  }

  public long names() {
    return byName.estimatedSize();
  }

  /** Runs pending evictions and expiries now (tests). */
  void cleanUp() {
    byAddress.cleanUp();
    byName.cleanUp();
    pairs.cleanUp();
  }

  /**
   * The lockout that the {@code failures}-th failure earns: none below the limit, then {@code
   * authLockout} doubled per failure past it, at most {@code authLockoutMax}.
   */
  static long lockoutNanos(int failures, AuthGuardConfig cfg) {
    if (failures < cfg.failureLimit()) {
      return 0;
    }
    long max = cfg.lockoutMax().toNanos();
    long lock = cfg.lockout().toNanos();
    for (int i = cfg.failureLimit(); i < failures && lock < max; i++) {
      lock = lock > max / 2 ? max : lock * 2;
    }
    return Math.min(lock, max);
  }

  /**
   * The key an address is counted under: an IPv4 address itself (also when seen as ::ffff:a.b.c.d),
   * an IPv6 address's /64, since one host or site gets a /64 and picks any address in it. Text that
   * is no address is its own key.
   */
  public static String group(String address) {
    if (address == null) {
      return "unknown";
    }
    if (address.indexOf(':') < 0) {
      return address;
    }
    int zone = address.indexOf('%');
    String bare = zone < 0 ? address : address.substring(0, zone);
    if (bare.startsWith("[") && bare.endsWith("]")) {
      bare = bare.substring(1, bare.length() - 1);
    }
    IPAddress a = IpAddresses.parseAddress(bare);
    if (a == null) {
      return address;
    }
    a = IpAddresses.unmapped(a);
    if (a instanceof IPv6Address v6) {
      return v6.toPrefixBlock(64).toCanonicalString();
    }
    return a.toCanonicalString();
  }

  private static boolean strike(
      Cache<String, Strikes> table, String key, long now, AuthGuardConfig cfg) {
    boolean[] locked = new boolean[1];
    table
        .asMap()
        .compute(
            key,
            (k, old) -> {
              int failures = (old == null ? 0 : old.failures()) + 1;
              long lock = lockoutNanos(failures, cfg);
              long until = old == null ? NEVER : old.lockedUntil();
              if (lock > 0 && now + lock > until) {
                until = now + lock;
                locked[0] = true;
              }
              long forget = Math.max(until, now) + cfg.lockoutMax().toNanos();
              return new Strikes(failures, until, forget);
            });
    return locked[0];
  }

  private static long left(Strikes s, long now) {
    return s == null || s.lockedUntil() == NEVER ? 0 : Math.max(0, s.lockedUntil() - now);
  }

  private static String pairKey(String group, String name) {
    return name + '\n' + group;
  }
}
