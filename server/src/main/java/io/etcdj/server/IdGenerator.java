package io.etcdj.server;

import java.util.concurrent.atomic.AtomicLong;

/**
 * etcd's idutil.Generator: ids unique across the members of a cluster and across restarts, for
 * request ids (which every member's apply loop uses to find the waiting client) and lease ids.
 * The top 16 bits are the low 16 bits of the member id; the low 48 bits start at the start time
 * in milliseconds shifted left by 8 (so 256 ids per millisecond of uptime before a restart could
 * reuse one) and count up.
 *
 * <p>The member bits are what keeps two members apart: members started in the same millisecond
 * would otherwise hand out the same ids, and a member applying another member's entry would
 * complete its own client's request with the other request's result.
 *
 * <p>Threading: any thread.
 */
public final class IdGenerator {
  private static final int SUFFIX_BITS = 48;
  private static final long SUFFIX_MASK = (1L << SUFFIX_BITS) - 1;
  private static final int COUNT_BITS = 8;

  private final long prefix;
  private final AtomicLong suffix;

  public IdGenerator(long memberId, long startMillis) {
    this.prefix = memberId << SUFFIX_BITS;
    this.suffix = new AtomicLong((startMillis << COUNT_BITS) & SUFFIX_MASK);
  }

  public long next() {
    return prefix | (suffix.incrementAndGet() & SUFFIX_MASK);
  }
}
