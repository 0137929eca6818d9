package io.etcdj.server.corrupt;

import io.etcdj.api.etcdserverpb.HashKVResponse;
import io.etcdj.api.etcdserverpb.Member;
import io.etcdj.server.StartupException;
import io.etcdj.server.config.GoDuration;
import io.etcdj.server.errors.EtcdError;
import io.etcdj.server.errors.EtcdException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's {@code CheckInitialHashKV} and {@code monitorKVHash}/{@code checkHashKV}: compares this
 * member's HashKV with its peers', logging in etcd's words. See the package documentation.
 */
public final class CorruptionCheck implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger("etcdserver");

  /** Hash requests from peers waiting for the hashing thread; more are refused. */
  private static final int PEER_REQUESTS_MAX = 8;

  /** What the checks need from the server. */
  public interface Host {
    long memberId();

    /** Every member (this one included). */
    List<Member> members();

    boolean isLeader();

    /**
     * This member's HashKV at {@code revision} (0: current), as Maintenance.HashKV answers it.
     * Blocks while it scans; throws {@link EtcdException} for a compacted or future revision.
     */
    HashKVResponse localHashKV(long revision);

    /**
     * A peer's HashKV at {@code revision}; blocks up to {@code timeoutMs}. Throws {@link
     * EtcdException} with the peer's etcd error, or another exception when it cannot be reached.
     */
    HashKVResponse peerHashKV(URI peerUrl, long revision, long timeoutMs);

    /** Completes when a linearizable read on this member would see everything committed now. */
    CompletableFuture<Void> linearizableRead();

    /** Proposes the CORRUPT alarm (etcd raises it with member id 0). */
    CompletableFuture<?> raiseCorrupt();
  }

  /** A peer's answer or the last error from its URLs (etcd's peerHashKVResp). */
  record PeerHash(long id, List<String> urls, HashKVResponse resp, RuntimeException err) {}

  private final Host host;
  private final long requestTimeoutMs;
  private final String self;
  private final ThreadPoolExecutor hasher;
  private ScheduledThreadPoolExecutor timer;

  public CorruptionCheck(Host host, long requestTimeoutMs) {
    this.host = host;
    this.requestTimeoutMs = requestTimeoutMs;
    this.self = Long.toHexString(host.memberId());
    this.hasher =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(PEER_REQUESTS_MAX),
            r -> {
              Thread t = new Thread(r, "etcdj-peer-hashkv");
              t.setDaemon(true);
              return t;
            });
  }

  /** A peer asks for this member's HashKV: computed on the hashing thread, never the caller's. */
  public CompletableFuture<HashKVResponse> serveHashKV(long revision) {
    try {
      return CompletableFuture.supplyAsync(() -> host.localHashKV(revision), hasher);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(EtcdError.TOO_MANY_REQUESTS.exception());
    }
  }

  /**
   * etcd's {@code CheckInitialHashKV}: fails with "{@code <id>} found data inconsistency with
   * peers" when a peer at the same compaction revision has another hash at this member's revision.
   * Peers that cannot answer (unreachable, behind, compacted further) are only logged.
   */
  public void initialCheck() {
    LOG.info(
        "{} starting initial corruption check with timeout {}...",
        self,
        GoDuration.format(TimeUnit.MILLISECONDS.toNanos(requestTimeoutMs)));
    HashKVResponse local;
    try {
      local = host.localHashKV(0);
    } catch (RuntimeException e) {
      throw new StartupException(self + " failed to fetch hash (" + e.getMessage() + ")");
    }
    long rev = local.getHeader().getRevision();
    int mismatch = 0;
    for (PeerHash p : peerHashes(rev)) {
      if (p.resp() != null) {
        String peer = Long.toHexString(p.resp().getHeader().getMemberId());
        if (local.getHash() != p.resp().getHash()) {
          if (local.getCompactRevision() == p.resp().getCompactRevision()) {
            LOG.error(
                "{}'s hash {} != {}'s hash {} (revision {}, peer revision {}, compact revision {})",
                self,
                unsigned(local.getHash()),
                peer,
                unsigned(p.resp().getHash()),
                rev,
                p.resp().getHeader().getRevision(),
                local.getCompactRevision());
            mismatch++;
          } else {
            LOG.warn(
                "{} cannot check hash of peer({}): peer has a different compact revision {}"
                    + " (revision:{})",
                self,
                peer,
                p.resp().getCompactRevision(),
                rev);
          }
        }
        continue;
      }
      EtcdError error = etcdError(p.err());
      if (error == EtcdError.FUTURE_REV) {
        LOG.warn(
            "{} cannot check the hash of peer({}) at revision {}: peer is lagging behind(\"{}\")",
            self,
            goQuoted(p.urls()),
            rev,
            p.err().getMessage());
      } else if (error == EtcdError.COMPACTED) {
        LOG.warn(
            "{} cannot check the hash of peer({}) at revision {}: local node is lagging"
                + " behind(\"{}\")",
            self,
            goQuoted(p.urls()),
            rev,
            p.err().getMessage());
      }
    }
    if (mismatch > 0) {
      throw new StartupException(self + " found data inconsistency with peers");
    }
    LOG.info("{} succeeded on initial corruption checking: no corruption", self);
  }

  /** etcd's {@code monitorKVHash}: every {@code periodNanos}, the leader runs {@link #check}. */
  public void startPeriodic(long periodNanos) {
    if (periodNanos <= 0) {
      return;
    }
    LOG.info("enabled corruption checking with {} interval", GoDuration.format(periodNanos));
    timer =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "etcdj-corruption-check");
              t.setDaemon(true);
              return t;
            });
    timer.scheduleWithFixedDelay(
        () -> {
          if (!host.isLeader()) {
            return;
          }
          try {
            check();
          } catch (RuntimeException e) {
            LOG.debug("check hash kv failed {}", e.toString());
          }
        },
        periodNanos,
        periodNanos,
        TimeUnit.NANOSECONDS);
  }

  /**
   * etcd's {@code checkHashKV}: hashes the store, asks the followers for their hash at that
   * revision, hashes again after a linearizable read, and raises CORRUPT (once) when this member's
   * hash changed without its revision changing, or when a follower is ahead of it, compacted
   * further, or has another hash at the same compaction revision.
   *
   * @return whether CORRUPT was raised
   */
  boolean check() {
    HashKVResponse first = host.localHashKV(0);
    long rev = first.getHeader().getRevision();
    List<PeerHash> peers = peerHashes(rev);
    try {
      host.linearizableRead().get(requestTimeoutMs, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("linearizable read failed: " + e, e);
    }
    HashKVResponse second = host.localHashKV(0);
    long rev2 = second.getHeader().getRevision();
    long crev = first.getCompactRevision();
    long crev2 = second.getCompactRevision();
    boolean mismatch = false;
    if (second.getHash() != first.getHash() && rev2 == rev && crev == crev2) {
      LOG.warn(
          "mismatched hashes {} and {} for revision {}",
          unsigned(first.getHash()),
          unsigned(second.getHash()),
          rev);
      mismatch = true;
    }
    for (PeerHash p : peers) {
      if (p.resp() == null) {
        continue;
      }
      String peer = Long.toHexString(p.id());
      if (p.resp().getHeader().getRevision() > rev2) {
        LOG.warn(
            "revision {} from member {}, expected at most {}",
            p.resp().getHeader().getRevision(),
            peer,
            rev2);
        mismatch = true;
      }
      if (p.resp().getCompactRevision() > crev2) {
        LOG.warn(
            "compact revision {} from member {}, expected at most {}",
            p.resp().getCompactRevision(),
            peer,
            crev2);
        mismatch = true;
      }
      if (p.resp().getCompactRevision() == crev && p.resp().getHash() != first.getHash()) {
        LOG.warn(
            "hash {} at revision {} from member {}, expected hash {}",
            unsigned(p.resp().getHash()),
            rev,
            peer,
            unsigned(first.getHash()));
        mismatch = true;
      }
    }
    if (mismatch) {
      host.raiseCorrupt()
          .whenComplete(
              (r, e) -> {
                if (e != null) {
                  LOG.warn("raising the CORRUPT alarm failed: {}", e.toString());
                }
              });
    }
    LOG.info("finished peer corruption check");
    return mismatch;
  }

  /** etcd's {@code getPeerHashKVs}: each other member's hash, trying its URLs in turn. */
  List<PeerHash> peerHashes(long rev) {
    List<PeerHash> out = new ArrayList<>();
    for (Member m : host.members()) {
      if (m.getID() == host.memberId() || m.getPeerURLsCount() == 0) {
        continue;
      }
      RuntimeException last = null;
      HashKVResponse resp = null;
      for (String url : m.getPeerURLsList()) {
        try {
          resp = host.peerHashKV(URI.create(url), rev, requestTimeoutMs);
          break;
        } catch (RuntimeException e) {
          last = e;
          LOG.warn(
              "{} hash-kv error \"{}\" on peer \"{}\" with revision {}",
              self,
              e.getMessage(),
              url,
              rev);
        }
      }
      out.add(new PeerHash(m.getID(), m.getPeerURLsList(), resp, resp == null ? last : null));
    }
    return out;
  }

  /**
   * etcd's {@code wal.Exist}: whether the member has a WAL, i.e. restarts rather than starts for
   * the first time (only a restart is checked, as a new member has nothing to compare).
   */
  public static boolean hasWal(java.nio.file.Path walDir) throws java.io.IOException {
    if (!java.nio.file.Files.isDirectory(walDir)) {
      return false;
    }
    try (var files = java.nio.file.Files.list(walDir)) {
      return files.anyMatch(f -> f.getFileName().toString().endsWith(".wal"));
    }
  }

  private static EtcdError etcdError(RuntimeException e) {
    return e instanceof EtcdException ee ? ee.error() : null;
  }

  private static long unsigned(int hash) {
    return Integer.toUnsignedLong(hash);
  }

  /** Go's %q of a []string: ["a" "b"]. */
  private static String goQuoted(List<String> urls) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < urls.size(); i++) {
      sb.append(i == 0 ? "" : " ").append('"').append(urls.get(i)).append('"');
    }
    return sb.append(']').toString();
  }

  @Override
  public void close() {
    if (timer != null) {
      timer.shutdownNow();
    }
    hasher.shutdownNow();
  }
}
