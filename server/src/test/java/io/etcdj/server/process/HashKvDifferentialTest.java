package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code etcdctl endpoint hashkv} on etcdj against a real etcd 3.4.23 that received the same etcdctl writes: the
 * hashes (and compact revisions, header revisions and errors) must be identical, at the latest revision and at every
 * {@code --rev N}, before and after compactions and after a restart.
 *
 * <p>Both servers run for the whole class; the phases run in order in one test so each starts from the state the last
 * one left. Leases are left out: etcd picks lease IDs itself and a key's lease ID is part of the hashed KeyValue.
 */
@Tag("process")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HashKvDifferentialTest {
  private static final Pattern HASH = Pattern.compile("\"hash\":(\\d+)");
  private static final Pattern COMPACT = Pattern.compile("\"compact_revision\":(-?\\d+)");
  private static final Pattern HEADER_REV = Pattern.compile("\"revision\":(\\d+)");

  private EtcdProcess etcd;
  private EtcdProcess etcdj;
  private final List<String> compared = new ArrayList<>();

  @BeforeAll
  void startBoth() {
    etcd = EtcdProcess.start(EtcdProcess.Kind.ETCD, "hashkv");
    etcdj = EtcdProcess.start(EtcdProcess.Kind.ETCDJ, "hashkv");
  }

  @AfterAll
  void stopBoth() {
    if (etcdj != null) {
      etcdj.close();
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  @Test
  void hashKvEqualsRealEtcd() {
    compareAllRevisions("fresh members");

    // Puts, overwrites, an empty value, binary-ish and long keys, single and range deletes.
    both("put", "a", "1");
    both("put", "b", "2");
    both("put", "a", "11"); // overwrite
    both("put", "c", "");
    both("put", "dir/x", "x".repeat(300));
    both("put", "dir/y", "y");
    both("put", "dir/z", "z");
    both("del", "b");
    both("del", "dir/", "--prefix");
    both("put", "b", "again"); // a new generation after a delete
    both("del", "nothing"); // deletes nothing: no new revision
    bothTxn("value(\"a\") = \"11\"\n\nput t1 one\nput t2 two\ndel c\n\nput never 1\n\n");
    bothTxn("value(\"a\") = \"nope\"\n\nput never 1\n\nput f1 failure-branch\ndel b\n\n");
    both("put", "a", "12");
    both("put", "e", "5");
    compareAllRevisions("after writes");

    // Compact at a revision whose only change is a delete (etcd 3.4.23 drops that tombstone, etcdj keeps it), with
    // later revisions to hash above it.
    long tombstoneRev = revisionOf("del", "t2");
    both("put", "a", "13");
    both("put", "g", "7");
    both("del", "e");
    both("put", "t1", "uno");
    compareAllRevisions("before compacting at the tombstone revision " + tombstoneRev);
    both("compact", Long.toString(tombstoneRev), "--physical");
    compareAllRevisions("after compacting at the tombstone revision " + tombstoneRev);

    // Compact in the middle of a key's history: its older revisions drop out of later hashes.
    both("put", "h", "1");
    both("put", "h", "2");
    long mid = revisionOf("put", "h", "3");
    bothTxn("mod(\"h\") > \"0\"\n\nput h 4\ndel g\nput i 1\n\n\n");
    both("put", "h", "5");
    both("put", "a", "14");
    both("compact", Long.toString(mid), "--physical");
    compareAllRevisions("after compacting at " + mid);

    // Nothing live, compacted at the current revision: etcd's keep set is empty and it hashes all that is left.
    both("del", "", "--from-key");
    both("compact", Long.toString(currentRev(etcd)), "--physical");
    compareAllRevisions("after deleting everything and compacting");

    both("put", "z", "last");
    etcd.stop();
    etcd.start();
    etcdj.stop();
    etcdj.start();
    compareAllRevisions("after restarting both");
    writeTranscript();
    assertTrue(compared.size() > 40, "compared " + compared.size() + " answers");
  }

  // ------------------------------------------------------------ helpers

  /** What etcd answered (and etcdj matched), kept in target/process-logs for inspection. */
  private void writeTranscript() {
    try {
      java.nio.file.Path dir = java.nio.file.Files.createDirectories(EtcdProcess.LOG_ROOT);
      java.nio.file.Files.write(dir.resolve("hashkv-etcd.transcript"), compared);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Runs the same etcdctl command on both servers; both must succeed with the same output. */
  private void both(String... args) {
    Etcdctl.Result expected = ok(etcd, Etcdctl.run(etcd.endpoint(), List.of(args)), args);
    Etcdctl.Result actual = ok(etcdj, Etcdctl.run(etcdj.endpoint(), List.of(args)), args);
    assertEquals(expected.stdout(), actual.stdout(), String.join(" ", args));
  }

  private void bothTxn(String stdin) {
    Etcdctl.Result expected = Etcdctl.run(etcd.endpoint(), List.of("txn"), stdin, Etcdctl.DEFAULT_TIMEOUT);
    Etcdctl.Result actual = Etcdctl.run(etcdj.endpoint(), List.of("txn"), stdin, Etcdctl.DEFAULT_TIMEOUT);
    ok(etcd, expected, "txn");
    ok(etcdj, actual, "txn");
    assertEquals(expected.stdout(), actual.stdout(), "txn\n" + stdin);
  }

  /** Runs one command on both and returns the revision etcd reports for it (both must agree). */
  private long revisionOf(String... args) {
    both(args);
    long rev = currentRev(etcd);
    assertEquals(rev, currentRev(etcdj), "revision after " + String.join(" ", args));
    return rev;
  }

  private static Etcdctl.Result ok(EtcdProcess server, Etcdctl.Result r, String... args) {
    if (r.exitCode() != 0) {
      fail(server + ": etcdctl " + String.join(" ", args) + " failed: " + r.stderr() + "\n" + server.logTail(30));
    }
    return r;
  }

  private static long currentRev(EtcdProcess server) {
    Etcdctl.Result r = ok(server, Etcdctl.run(server.endpoint(), List.of("endpoint", "status", "-w", "json")));
    return Long.parseLong(group(HEADER_REV, r.stdout(), "status"));
  }

  /**
   * Compares {@code endpoint hashkv} (latest) and {@code --rev N} for every N from 1 to one past the current revision
   * (compacted and future revisions must fail alike).
   */
  private void compareAllRevisions(String phase) {
    long cur = currentRev(etcd);
    assertEquals(cur, currentRev(etcdj), phase + ": current revision");
    compare(phase, 0);
    for (long rev = 1; rev <= cur + 1; rev++) {
      compare(phase, rev);
    }
  }

  private void compare(String phase, long rev) {
    String expected = hashKv(etcd, rev);
    String actual = hashKv(etcdj, rev);
    String what = phase + ", --rev " + rev;
    compared.add(what + ": " + expected);
    assertEquals(expected, actual, what);
  }

  /** "hash=… compact=… header=…" or "error: …" for one hashkv call. */
  private static String hashKv(EtcdProcess server, long rev) {
    Etcdctl.Result r =
        Etcdctl.run(server.endpoint(), List.of("endpoint", "hashkv", "--rev", Long.toString(rev), "-w", "json"));
    if (r.exitCode() != 0) {
      String last = "";
      for (String line : r.stderr().strip().split("\n")) {
        if (line.startsWith("Error:")) {
          last = line;
        }
      }
      return "exit " + r.exitCode() + " " + last;
    }
    String out = r.stdout();
    return "hash="
        + group(HASH, out, "hash")
        + " compact="
        + group(COMPACT, out, "compact_revision")
        + " header="
        + group(HEADER_REV, out, "revision");
  }

  private static String group(Pattern p, String text, String what) {
    Matcher m = p.matcher(text);
    if (!m.find()) {
      fail("no " + what + " in: " + text);
    }
    return m.group(1);
  }
}
