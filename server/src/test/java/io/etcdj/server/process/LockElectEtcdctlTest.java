package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Stock {@code etcdctl lock} and {@code etcdctl elect} (clientv3's concurrency recipes: a session
 * lease kept alive, keys under the name, waiting on deletions) against a fresh real etcd and a
 * fresh etcdj: a lock with a command and its environment, a second locker that waits until the
 * holder is stopped, an election with an observer and a second candidate that takes over when
 * the leader is stopped, and the usage errors. Lease ids are masked; the transcripts must be
 * identical.
 */
@Tag("process")
class LockElectEtcdctlTest {
  private static final long WAIT_MS = 10_000;

  private static String mask(String s) {
    // A lease id in hex has up to 16 digits (fewer when the member id's low bits start with 0).
    return s.replaceAll("/[0-9a-f]{1,16}\\b", "/<LEASE>")
        .replaceAll("ETCD_LOCK_REV=\\d+", "ETCD_LOCK_REV=<REV>");
  }

  private static String run(String endpoint, String... args) {
    Etcdctl.Result r = Etcdctl.run(endpoint, List.of(args), null, Duration.ofSeconds(15));
    return "$ etcdctl " + String.join(" ", args) + "\n" + mask(r.stdout() + r.stderr())
        + "[exit " + r.exitCode() + "]";
  }

  private static List<String> transcript(EtcdProcess.Kind kind) throws Exception {
    List<String> t = new ArrayList<>();
    try (EtcdProcess server = EtcdProcess.start(kind, "lock-elect-" + kind.name().toLowerCase())) {
      String ep = server.endpoint();
      t.add(run(ep, "lock", "l1", "--", "sh", "-c", "echo key=$ETCD_LOCK_KEY rev=$ETCD_LOCK_REV"));
      t.add(run(ep, "get", "l1", "--prefix", "--keys-only")); // released after the command

      EtcdctlBackground holder = EtcdctlBackground.start(ep, "holder", null, "lock", "l2");
      assertTrue(holder.awaitPrinted("l2/", WAIT_MS), "holder: " + holder.printed());
      EtcdctlBackground waiter =
          EtcdctlBackground.start(ep, "waiter", null, "lock", "l2", "echo", "got");
      Thread.sleep(1_000);
      t.add("waiter while held: [" + waiter.printed() + "]");
      t.add("holder: " + mask(holder.stop()));
      assertTrue(waiter.process.waitFor(WAIT_MS, java.util.concurrent.TimeUnit.MILLISECONDS));
      t.add("waiter after: " + mask(waiter.printed()) + "[exit " + waiter.process.exitValue() + "]");
      waiter.stop();

      EtcdctlBackground leader = EtcdctlBackground.start(ep, "leader", null, "elect", "e1", "p1");
      assertTrue(leader.awaitPrinted("p1", WAIT_MS), "leader: " + leader.printed());
      EtcdctlBackground observer = EtcdctlBackground.start(ep, "observer", null, "elect", "-l", "e1");
      assertTrue(observer.awaitPrinted("p1", WAIT_MS), "observer: " + observer.printed());
      EtcdctlBackground second = EtcdctlBackground.start(ep, "second", null, "elect", "e1", "p2");
      Thread.sleep(1_000);
      t.add("second while led: [" + second.printed() + "]");
      t.add("leader: " + mask(leader.stop()));
      assertTrue(second.awaitPrinted("p2", WAIT_MS), "second: " + second.printed());
      assertTrue(observer.awaitPrinted("p2", WAIT_MS), "observer: " + observer.printed());
      t.add("second: " + mask(second.stop()));
      t.add("observer: " + mask(observer.stop()));

      t.add(run(ep, "elect", "e9"));
      t.add(run(ep, "lock"));
      t.add(run(ep, "get", "", "--prefix", "--keys-only"));
    }
    return t;
  }

  @Test
  void etcdjMatchesEtcd() throws Exception {
    List<String> expected = transcript(EtcdProcess.Kind.ETCD);
    List<String> actual = transcript(EtcdProcess.Kind.ETCDJ);
    assertEquals(String.join("\n", expected), String.join("\n", actual));
  }
}
