package io.etcdj.server.process;

import static io.etcdj.server.process.LockElectionDifferentialTest.b;
import static io.etcdj.server.process.LockElectionDifferentialTest.leaderReq;
import static io.etcdj.server.process.LockElectionDifferentialTest.lockReq;
import static io.etcdj.server.process.LockElectionDifferentialTest.step;
import static io.etcdj.server.process.LockElectionDifferentialTest.unlockReq;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.DeleteRangeRequest;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.PutResponse;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.v3electionpb.LeaderKey;
import io.etcdj.api.v3electionpb.ProclaimRequest;
import io.etcdj.api.v3electionpb.ResignRequest;
import io.etcdj.server.process.LockElectionDifferentialTest.Observation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * An etcdj server's own {@code v3lockpb.Lock} and {@code v3electionpb.Election} (as {@code
 * ClientServer} wires them: over the member's KV and Watch, reached in-process) against real etcd
 * 3.4's, for what needs no lease service: Leader and Observe of keys written with plain puts,
 * Proclaim and Resign of such a key, their errors, Unlock, and a Lock whose lease does not exist.
 * {@link LockElectionDifferentialTest} runs the lease-backed scenarios on an etcdj server once it
 * serves leases.
 */
@Tag("process")
class EtcdjLockElectionProcessTest {
  private static final long NO_SUCH_LEASE = 0x7a11;

  private static EtcdProcess etcdProcess;
  private static EtcdProcess etcdjProcess;
  private static RecipeSide etcd;
  private static RecipeSide etcdj;

  @BeforeAll
  static void start() {
    etcdProcess = EtcdProcess.start(EtcdProcess.Kind.ETCD, "lock-election-np-etcd");
    etcdjProcess = EtcdProcess.start(EtcdProcess.Kind.ETCDJ, "lock-election-np-etcdj");
    etcd = RecipeSide.server("etcd", etcdProcess);
    etcdj = RecipeSide.server("etcdj server", etcdjProcess);
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {etcd, etcdj, etcdProcess, etcdjProcess}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // keep closing the rest
      }
    }
  }

  @Test
  void electionOfPlainKeysAndErrors() throws Exception {
    LockElectionDifferentialTest.Scenario scenario =
        (s, t) -> {
          step(t, "leader of nobody", () -> s.election().leader(leaderReq("np")));
          Observation obs = new Observation();
          s.electionStream().observe(leaderReq("np"), obs);
          PutResponse x = step(t, "put np/x", () -> s.kv().put(put("np/x", "v1")));
          t.add("observed", obs.next());
          step(t, "leader", () -> s.election().leader(leaderReq("np")));
          step(t, "put np/x again", () -> s.kv().put(put("np/x", "v2")));
          t.add("observed", obs.next());
          PutResponse y = step(t, "put np/y", () -> s.kv().put(put("np/y", "w")));
          step(t, "delete np/x", () -> s.kv().deleteRange(DeleteRangeRequest.newBuilder().setKey(b("np/x")).build()));
          t.add("observed", obs.next());
          LeaderKey leaderY =
              LeaderKey.newBuilder()
                  .setName(b("np"))
                  .setKey(b("np/y"))
                  .setRev(y.getHeader().getRevision())
                  .setLease(NO_SUCH_LEASE)
                  .build();
          LeaderKey stale = leaderY.toBuilder().setRev(x.getHeader().getRevision()).build();
          step(t, "proclaim, unknown lease", () -> s.election().proclaim(ProclaimRequest.newBuilder().setLeader(leaderY).setValue(b("w2")).build()));
          step(t, "proclaim, stale rev", () -> s.election().proclaim(ProclaimRequest.newBuilder().setLeader(stale).setValue(b("w2")).build()));
          step(t, "proclaim, no leader", () -> s.election().proclaim(ProclaimRequest.newBuilder().setValue(b("w2")).build()));
          step(t, "resign, no leader", () -> s.election().resign(ResignRequest.getDefaultInstance()));
          step(t, "resign, stale rev", () -> s.election().resign(ResignRequest.newBuilder().setLeader(stale).build()));
          step(t, "resign np/y", () -> s.election().resign(ResignRequest.newBuilder().setLeader(leaderY).build()));
          step(t, "leader after resign", () -> s.election().leader(leaderReq("np")));
          step(t, "put np/z", () -> s.kv().put(put("np/z", "z")));
          t.add("observed", obs.next());
          Thread.sleep(LockElectionDifferentialTest.BLOCKED_MS);
          t.note("further observed: " + obs.pending());
          obs.cancel();
          step(t, "lock, unknown lease", () -> s.lock().lock(lockReq("nl", NO_SUCH_LEASE)));
          step(t, "range nl/", () -> s.kv().range(RangeRequest.newBuilder().setKey(b("nl/")).setRangeEnd(b("nl0")).build()));
          step(t, "unlock np/z", () -> s.lock().unlock(unlockReq(b("np/z"))));
          step(t, "unlock missing key", () -> s.lock().unlock(unlockReq(b("np/none"))));
          step(t, "unlock empty key", () -> s.lock().unlock(unlockReq(ByteString.EMPTY)));
        };
    RecipeTranscript expected = new RecipeTranscript(etcd.revision());
    scenario.run(etcd, expected);
    RecipeTranscript actual = new RecipeTranscript(etcdj.revision());
    scenario.run(etcdj, actual);
    assertEquals(expected.text(), actual.text(), "the etcdj server answered differently from etcd");
  }

  private static PutRequest put(String key, String value) {
    return PutRequest.newBuilder().setKey(b(key)).setValue(b(value)).build();
  }
}
