package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Stock {@code etcdctl watch} against a fresh real etcd and a fresh etcdj: the same script of writes
 * with the same background watchers ({@code --prefix}, {@code --rev}, {@code --prev-kv}, {@code -i},
 * {@code -w json}, {@code -- command}), a watch from a compacted revision and an empty range; the
 * transcripts (every watcher's output, ids normalised) must be identical.
 */
@Tag("process")
class WatchEtcdctlTest {

  private static String run(String endpoint, String... args) {
    Etcdctl.Result r = Etcdctl.run(endpoint, List.of(args), null, Duration.ofSeconds(15));
    return "$ etcdctl " + String.join(" ", args) + "\n" + r.stdout() + r.stderr() + "[exit " + r.exitCode() + "]\n";
  }

  private static String normalize(String s) {
    return s.replaceAll("\"cluster_id\":\\d+", "\"cluster_id\":<ID>")
        .replaceAll("\"member_id\":\\d+", "\"member_id\":<ID>")
        .replaceAll("\"raft_term\":\\d+", "\"raft_term\":<TERM>");
  }

  private static String transcript(EtcdProcess.Kind kind) {
    try (EtcdProcess server = EtcdProcess.start(kind, "watch-etcdctl")) {
      String ep = server.endpoint();
      StringBuilder t = new StringBuilder();
      t.append(run(ep, "put", "foo", "1"));
      t.append(run(ep, "put", "foo/a", "2"));
      t.append(run(ep, "put", "foo/b", "3"));
      t.append(run(ep, "del", "foo/a"));
      List<EtcdctlBackground> watchers = new ArrayList<>();
      watchers.add(EtcdctlBackground.start(ep, "prefix", null, "watch", "foo", "--prefix"));
      watchers.add(EtcdctlBackground.start(ep, "prev-kv", null, "watch", "foo", "--prev-kv"));
      watchers.add(EtcdctlBackground.start(ep, "rev 2 prefix", null, "watch", "foo", "--prefix", "--rev", "2"));
      watchers.add(EtcdctlBackground.start(ep, "range foo/a..foo/c", null, "watch", "foo/a", "foo/c"));
      watchers.add(EtcdctlBackground.start(ep, "interactive", "watch foo/b\n", "watch", "-i"));
      watchers.add(EtcdctlBackground.start(ep, "json", null, "watch", "foo", "--prefix", "--rev", "3", "-w", "json"));
      watchers.add(
          EtcdctlBackground.start(ep, "exec", null, "watch", "foo/b", "--",
              "sh", "-c", "echo exec $ETCD_WATCH_EVENT_TYPE $ETCD_WATCH_KEY $ETCD_WATCH_VALUE $ETCD_WATCH_REVISION"));
      EtcdProcess.sleepMs(1_500); // every watcher created
      t.append(run(ep, "put", "foo", "4"));
      t.append(run(ep, "put", "foo/b", "5"));
      t.append(run(ep, "put", "foo/c", "6"));
      Etcdctl.Result txn =
          Etcdctl.run(ep, List.of("txn"), "\nput foo/d 8\nput foo/e 9\n\n\n", Duration.ofSeconds(15));
      t.append("$ etcdctl txn\n").append(txn.stdout()).append(txn.stderr()).append("[exit " + txn.exitCode() + "]\n");
      t.append(run(ep, "del", "foo", "--prefix"));
      t.append(run(ep, "put", "bar", "7"));
      EtcdProcess.sleepMs(1_500); // every event delivered
      for (EtcdctlBackground b : watchers) {
        t.append("--- watcher ").append(b.name).append('\n').append(normalize(b.stop()));
      }
      t.append(run(ep, "compaction", "5"));
      Etcdctl.Result old = Etcdctl.run(ep, List.of("watch", "foo", "--rev", "2"), null, Duration.ofSeconds(5));
      t.append("--- watch from a compacted revision\n")
          .append(old.stdout())
          .append(old.stderr())
          .append("[exit ")
          .append(old.exitCode())
          .append("]\n");
      Etcdctl.Result empty = Etcdctl.run(ep, List.of("watch", "foo/c", "foo/a"), null, Duration.ofSeconds(5));
      t.append("--- watch an empty range\n")
          .append(empty.stdout())
          .append(empty.stderr())
          .append("[exit ")
          .append(empty.exitCode())
          .append("]\n");
      return t.toString();
    }
  }

  @Test
  void etcdjPrintsWhatEtcdPrints() {
    Map<EtcdProcess.Kind, String> transcripts = new EnumMap<>(EtcdProcess.Kind.class);
    for (EtcdProcess.Kind kind : EtcdProcess.selectedKinds()) {
      transcripts.put(kind, transcript(kind));
    }
    String etcd = transcripts.get(EtcdProcess.Kind.ETCD);
    String etcdj = transcripts.get(EtcdProcess.Kind.ETCDJ);
    if (etcd != null) {
      // The script is not vacuous: the watchers saw the events and the cancellation.
      assertTrue(etcd.contains("--- watcher prefix\nPUT\nfoo\n4\n"), etcd);
      assertTrue(etcd.contains("required revision has been compacted"), etcd);
      assertTrue(etcd.contains("exec \"PUT\" \"foo/b\" \"5\" 7"), etcd);
      assertTrue(etcd.contains("PUT\nfoo/e\n9\n"), etcd);
    }
    if (etcd != null && etcdj != null) {
      assertEquals(etcd, etcdj);
    }
  }
}
