package io.etcdj.server.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcdj.api.internal.InternalRaftRequest;
import io.etcdj.lease.LeaseBackend;
import io.etcdj.lease.LeaseException;
import io.etcdj.lease.Lessor;
import io.etcdj.lease.LessorConfig;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A member whose lessor still keeps lease time but that no longer leads (paused, cut off, its
 * raft loop behind) neither renews nor revokes nor checkpoints: each waits for a quorum-confirmed
 * read index naming this member as leader (etcd issue 15247). Without the check, a deposed leader
 * answered a keep-alive from its own clock while the real leader let the lease expire, which the
 * robustness run's lease checker caught as "deleted while alive".
 */
class LeaseFrontTest {
  private static final long ME = 1;
  private static final long LEASE = 7;

  private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
  private long now = 1_000_000_000_000L;
  private final Lessor lessor = new Lessor(LessorConfig.of(1_000, false), () -> now);
  private final FakeHost host = new FakeHost();
  private final LeaseFront front = new LeaseFront(lessor, host);

  private static final LeaseBackend NO_BACKEND =
      new LeaseBackend() {
        @Override
        public void saveLease(long leaseId, long ttlSeconds, long remainingTtlSeconds) {}

        @Override
        public void deleteLease(long leaseId) {}
      };

  @AfterEach
  void stop() {
    front.close();
    timers.shutdownNow();
  }

  private void leaseOfTenSecondsOnAPrimary() {
    lessor.grant(LEASE, 10, NO_BACKEND);
    lessor.promote(0);
  }

  private static Throwable failure(CompletableFuture<?> f) {
    try {
      f.join();
    } catch (CompletionException e) {
      return e.getCause();
    }
    throw new AssertionError("completed: " + f.join());
  }

  @Test
  void aRenewalWaitsForConfirmedLeadership() {
    leaseOfTenSecondsOnAPrimary();
    CompletableFuture<Void> read = new CompletableFuture<>();
    host.read = read;
    now += TimeUnit.SECONDS.toNanos(6);
    CompletableFuture<Long> renewal = front.renewAsLeader(LEASE);
    assertTrue(!renewal.isDone(), "answered before a quorum confirmed the leadership");
    read.complete(null);
    assertEquals(10L, renewal.join());
    assertEquals(10, lessor.timeToLive(LEASE).remainingSeconds());
  }

  @Test
  void aDeposedLeaderDoesNotRenew() {
    leaseOfTenSecondsOnAPrimary();
    now += TimeUnit.SECONDS.toNanos(6);
    host.read = CompletableFuture.failedFuture(new IllegalStateException("leader changed"));
    assertEquals(LeaseException.Kind.NOT_PRIMARY, ((LeaseException) failure(front.renewAsLeader(LEASE))).kind());

    host.read = CompletableFuture.completedFuture(null);
    host.leader = 2; // the read index came back, but with news of another leader
    assertEquals(LeaseException.Kind.NOT_PRIMARY, ((LeaseException) failure(front.renewAsLeader(LEASE))).kind());
    assertEquals(4, lessor.timeToLive(LEASE).remainingSeconds(), "the lease kept its old expiry");
  }

  @Test
  void aDeposedLeaderRevokesNothingOnItsOwnClock() {
    leaseOfTenSecondsOnAPrimary();
    now += TimeUnit.SECONDS.toNanos(11);
    host.read = CompletableFuture.failedFuture(new IllegalStateException("request timed out"));
    front.tick();
    assertEquals(List.of(), host.proposed);

    now += TimeUnit.SECONDS.toNanos(10); // the lessor offers it again after its retry interval
    host.read = CompletableFuture.completedFuture(null);
    front.tick();
    assertEquals(1, host.proposed.size());
    assertEquals(LEASE, host.proposed.get(0).getLeaseRevoke().getID());
  }

  @Test
  void checkpointsWaitForConfirmedLeadershipToo() {
    Lessor checkpointing = new Lessor(LessorConfig.of(1_000, true), () -> now);
    LeaseFront f = new LeaseFront(checkpointing, host);
    checkpointing.grant(LEASE, 600, NO_BACKEND);
    checkpointing.promote(0);
    long period = TimeUnit.SECONDS.toNanos(151); // a quarter of the TTL, and a bit
    now += period;
    host.read = CompletableFuture.failedFuture(new IllegalStateException("leader changed"));
    f.tick();
    assertEquals(List.of(), host.proposed);

    now += period;
    host.read = CompletableFuture.completedFuture(null);
    f.tick();
    assertEquals(1, host.proposed.size());
    assertEquals(LEASE, host.proposed.get(0).getLeaseCheckpoint().getCheckpoints(0).getID());
    f.close();
  }

  private final class FakeHost implements LeaseFront.Host {
    CompletableFuture<Void> read = CompletableFuture.completedFuture(null);
    long leader = ME;
    final List<InternalRaftRequest> proposed = new ArrayList<>();

    @Override
    public long memberId() {
      return ME;
    }

    @Override
    public long leaderId() {
      return leader;
    }

    @Override
    public long term() {
      return 2;
    }

    @Override
    public List<URI> peerUrls(long memberId) {
      return List.of();
    }

    @Override
    public CompletableFuture<Object> propose(InternalRaftRequest.Builder request, long clientTimeoutNanos) {
      proposed.add(request.build());
      return new CompletableFuture<>();
    }

    @Override
    public CompletableFuture<Void> linearizableRead() {
      return read;
    }

    @Override
    public long requestTimeoutMs() {
      return 5_000;
    }

    @Override
    public long electionTimeoutMs() {
      return 1_000;
    }

    @Override
    public ScheduledExecutorService timers() {
      return timers;
    }
  }
}
