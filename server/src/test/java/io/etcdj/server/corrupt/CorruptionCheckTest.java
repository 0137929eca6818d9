package io.etcdj.server.corrupt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.etcdj.api.etcdserverpb.HashKVResponse;
import io.etcdj.api.etcdserverpb.Member;
import io.etcdj.api.etcdserverpb.ResponseHeader;
import io.etcdj.server.StartupException;
import io.etcdj.server.errors.EtcdError;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** etcd 3.4.23's corrupt.go decisions, against peers that answer from a table. */
class CorruptionCheckTest {
  private static final long SELF = 0xa1;
  private static final long PEER_B = 0xb2;
  private static final long PEER_C = 0xc3;

  private final FakeHost host = new FakeHost();
  private final CorruptionCheck check = new CorruptionCheck(host, 1_000);

  @AfterEach
  void close() {
    check.close();
  }

  private static HashKVResponse hash(long member, int hash, long rev, long compactRev) {
    return HashKVResponse.newBuilder()
        .setHeader(ResponseHeader.newBuilder().setMemberId(member).setRevision(rev))
        .setHash(hash)
        .setCompactRevision(compactRev)
        .build();
  }

  private static final class FakeHost implements CorruptionCheck.Host {
    HashKVResponse local = hash(SELF, 42, 10, -1);
    final Map<String, Object> peers = new HashMap<>(); // peer URL -> response or exception
    final AtomicInteger raised = new AtomicInteger();

    @Override
    public long memberId() {
      return SELF;
    }

    @Override
    public List<Member> members() {
      return List.of(
          Member.newBuilder().setID(SELF).addPeerURLs("http://self:1").build(),
          Member.newBuilder().setID(PEER_B).addPeerURLs("http://b:1").build(),
          Member.newBuilder().setID(PEER_C).addPeerURLs("http://c:1").build());
    }

    @Override
    public boolean isLeader() {
      return true;
    }

    @Override
    public HashKVResponse localHashKV(long revision) {
      return local;
    }

    @Override
    public HashKVResponse peerHashKV(URI peerUrl, long revision, long timeoutMs) {
      Object answer = peers.get(peerUrl.toString());
      if (answer instanceof RuntimeException e) {
        throw e;
      }
      if (answer == null) {
        throw new IllegalStateException("connection refused");
      }
      return (HashKVResponse) answer;
    }

    @Override
    public CompletableFuture<Void> linearizableRead() {
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<?> raiseCorrupt() {
      raised.incrementAndGet();
      return CompletableFuture.completedFuture(null);
    }
  }

  @Test
  void initialCheckPassesWhenPeersAgree() {
    host.peers.put("http://b:1", hash(PEER_B, 42, 12, -1));
    host.peers.put("http://c:1", hash(PEER_C, 42, 10, -1));
    check.initialCheck();
  }

  @Test
  void initialCheckRefusesToStartOnAMismatch() {
    host.peers.put("http://b:1", hash(PEER_B, 42, 10, -1));
    host.peers.put("http://c:1", hash(PEER_C, 7, 10, -1));
    StartupException e = assertThrows(StartupException.class, check::initialCheck);
    assertEquals("a1 found data inconsistency with peers", e.getMessage());
  }

  /** etcd only warns when it cannot compare: another compaction, a lagging or absent peer. */
  @Test
  void initialCheckOnlyWarnsWhenItCannotCompare() {
    host.peers.put("http://b:1", hash(PEER_B, 7, 10, 5)); // compacted elsewhere
    host.peers.put("http://c:1", EtcdError.FUTURE_REV.exception());
    check.initialCheck();
    host.peers.put("http://c:1", EtcdError.COMPACTED.exception());
    check.initialCheck();
    host.peers.remove("http://c:1"); // unreachable
    check.initialCheck();
  }

  @Test
  void periodicCheckRaisesCorruptOnceForAnyMismatch() {
    host.peers.put("http://b:1", hash(PEER_B, 7, 10, -1)); // another hash
    host.peers.put("http://c:1", hash(PEER_C, 42, 11, -1)); // ahead of the leader
    assertEquals(true, check.check());
    assertEquals(1, host.raised.get());
  }

  @Test
  void periodicCheckRaisesCorruptForAFollowerCompactedFurther() {
    host.peers.put("http://b:1", hash(PEER_B, 42, 10, -1));
    host.peers.put("http://c:1", hash(PEER_C, 9, 10, 4));
    assertEquals(true, check.check());
    assertEquals(1, host.raised.get());
  }

  @Test
  void periodicCheckIsQuietWhenAllAgree() {
    host.peers.put("http://b:1", hash(PEER_B, 42, 10, -1));
    host.peers.put("http://c:1", EtcdError.FUTURE_REV.exception()); // lagging: skipped
    assertEquals(false, check.check());
    assertEquals(0, host.raised.get());
  }

  @Test
  void hashesForPeersAreComputedOffTheCaller() throws Exception {
    assertEquals(42, check.serveHashKV(0).get().getHash());
  }
}
