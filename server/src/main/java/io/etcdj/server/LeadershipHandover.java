package io.etcdj.server;

import io.etcdj.api.etcdserverpb.Member;
import io.etcdj.server.logging.Capnslog;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongFunction;
import java.util.function.LongUnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's TransferLeadership on a graceful stop: a leader that is asked to stop (SIGTERM, SIGINT)
 * first hands leadership to the voting member its peer stream has been connected to the longest,
 * and waits up to the request timeout for it to take over. The cluster then goes on with no
 * election timeout's worth of unavailability (measured by the robustness harness: first write
 * after a leader's SIGTERM ~0.1 s on etcd, ~1.1 s on etcdj before this). A kill -9 cannot do
 * this, and a failed hand-over only means the usual election.
 */
final class LeadershipHandover {
  private static final Logger LOG = LoggerFactory.getLogger(LeadershipHandover.class);

  private LeadershipHandover() {}

  /**
   * @param activeSince epoch millis since the peer stream to a member is up, 0 when down
   * @param moveLeader MoveLeader to the given member; completes once it leads
   * @return whether leadership went to another member
   */
  static boolean beforeStop(
      long self,
      long leader,
      List<Member> members,
      LongUnaryOperator activeSince,
      LongFunction<CompletableFuture<Void>> moveLeader,
      long timeoutMs) {
    String local = Long.toHexString(self);
    String lead = Long.toHexString(leader);
    if (leader != self) {
      LOG.atInfo()
          .setMessage("skipped leadership transfer; local server is not leader")
          .addKeyValue("local-member-id", local)
          .addKeyValue("current-leader-member-id", lead)
          .addKeyValue(Capnslog.TEXT, "skipped leadership transfer for stopping non-leader member")
          .log();
      return false;
    }
    long transferee = 0;
    long since = Long.MAX_VALUE;
    int voters = 0;
    for (Member m : members) {
      if (m.getIsLearner()) {
        continue;
      }
      voters++;
      long up = m.getID() == self ? 0 : activeSince.applyAsLong(m.getID());
      if (up > 0 && up < since) {
        since = up;
        transferee = m.getID();
      }
    }
    if (voters < 2) {
      LOG.atInfo()
          .setMessage("skipped leadership transfer for single voting member cluster")
          .addKeyValue("local-member-id", local)
          .addKeyValue("current-leader-member-id", lead)
          .log();
      return false;
    }
    if (transferee == 0) {
      failed(local, "etcdserver: unhealthy cluster");
      return false;
    }
    String to = Long.toHexString(transferee);
    long startNs = System.nanoTime();
    LOG.atInfo()
        .setMessage("leadership transfer starting")
        .addKeyValue("local-member-id", local)
        .addKeyValue("current-leader-member-id", lead)
        .addKeyValue("transferee-member-id", to)
        .addKeyValue(Capnslog.TEXT, local + " starts leadership transfer from " + lead + " to " + to)
        .log();
    try {
      moveLeader.apply(transferee).get(timeoutMs, TimeUnit.MILLISECONDS);
      String took = (System.nanoTime() - startNs) / 1_000_000 + "ms";
      LOG.atInfo()
          .setMessage("leadership transfer finished")
          .addKeyValue("local-member-id", local)
          .addKeyValue("old-leader-member-id", lead)
          .addKeyValue("new-leader-member-id", to)
          .addKeyValue("took", took)
          .addKeyValue(Capnslog.TEXT, local + " finished leadership transfer from " + lead + " to " + to + " (took " + took + ")")
          .log();
      return true;
    } catch (ExecutionException e) {
      failed(local, String.valueOf(e.getCause().getMessage()));
    } catch (TimeoutException e) {
      failed(local, "context deadline exceeded");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return false;
  }

  private static void failed(String local, String error) {
    LOG.atWarn()
        .setMessage("leadership transfer failed")
        .addKeyValue("local-member-id", local)
        .addKeyValue("error", error)
        .addKeyValue(Capnslog.TEXT, local + " failed to transfer leadership (" + error + ")")
        .log();
  }
}
