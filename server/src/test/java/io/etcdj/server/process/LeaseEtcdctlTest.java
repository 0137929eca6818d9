package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Stock {@code etcdctl lease ...} and {@code put --lease} against a fresh real etcd and a fresh
 * etcdj: the same script, with the lease ids each server chose replaced by {@code <LEASE_n>} and
 * remaining TTLs (which depend on timing) checked for range and then masked, and a streaming
 * {@code lease keep-alive} that ends when its lease is revoked. The transcripts must be identical.
 */
@Tag("process")
class LeaseEtcdctlTest {
  private static final Pattern GRANTED = Pattern.compile("lease ([0-9a-f]+) granted with TTL");
  private static final Pattern ATTACHED = Pattern.compile("attached keys\\(\\[([^\\]]*)\\]\\)");
  private static final Pattern REMAINING = Pattern.compile("remaining\\((-?\\d+)s\\)");
  private static final Pattern JSON_TTL = Pattern.compile("\"TTL\":(-?\\d+)");

  /** One server's session: commands run in order, lease ids remembered as they are granted. */
  private static final class Session {
    final EtcdProcess server;
    final EtcdctlNormalizer normalizer;
    final Map<String, String> leases = new LinkedHashMap<>(); // hex id → placeholder
    final List<String> lines = new ArrayList<>();

    Session(EtcdProcess server) {
      this.server = server;
      this.normalizer = new EtcdctlNormalizer(server);
    }

    /** Runs a command; "$n" in an argument is the n-th lease granted so far (hex). */
    String run(String... template) {
      List<String> args = new ArrayList<>();
      List<String> ids = new ArrayList<>(leases.keySet());
      for (String a : template) {
        for (int i = ids.size(); i >= 1; i--) {
          a = a.replace("$" + i, ids.get(i - 1));
        }
        args.add(a);
      }
      Etcdctl.Result r = Etcdctl.run(server.endpoint(), args, null, Duration.ofSeconds(15));
      Matcher m = GRANTED.matcher(r.stdout());
      if (template[0].equals("lease") && template[1].equals("grant") && m.find()) {
        leases.put(m.group(1), "<LEASE_" + (leases.size() + 1) + ">");
      }
      lines.add("$ etcdctl " + String.join(" ", template));
      lines.add("[exit " + r.exitCode() + "]");
      for (String out : List.of(r.stdout(), r.stderr())) {
        List<String> normalized = new ArrayList<>(normalizer.normalize(args, mask(out)));
        if (template[0].equals("lease") && template[1].equals("list") && normalized.size() > 1) {
          // etcd lists leases in Go map order (random): compare them as a set
          normalized.subList(1, normalized.size()).sort(null);
        }
        for (String line : normalized) {
          if (!line.isEmpty()) {
            lines.add(line);
          }
        }
      }
      return r.stdout();
    }

    /**
     * A streaming {@code lease keep-alive} of a new 6 s lease (clientv3 renews every TTL/3), revoked
     * once it has printed a renewal: it then prints "expired or revoked" and exits 0. How many
     * renewals it printed depends on timing, so repeated lines are kept once.
     */
    void keepAliveUntilRevoked() throws InterruptedException {
      run("lease", "grant", "6");
      String id = new ArrayList<>(leases.keySet()).get(leases.size() - 1);
      EtcdctlBackground ka =
          EtcdctlBackground.start(server.endpoint(), "keep-alive", null, "lease", "keep-alive", id);
      assertTrue(ka.awaitPrinted("keepalived", 10_000), "keep-alive: " + ka.printed());
      run("lease", "revoke", "$" + leases.size());
      assertTrue(ka.process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS), "still running");
      lines.add("$ etcdctl lease keep-alive $" + leases.size() + " (background, until revoked)");
      lines.add("[exit " + ka.process.exitValue() + "]");
      new java.util.LinkedHashSet<>(List.of(mask(ka.stop()).split("\n"))).forEach(lines::add);
    }

    /** Lease ids (hex and decimal) become placeholders; remaining TTLs are checked, then masked. */
    private String mask(String out) {
      String s = out;
      for (Map.Entry<String, String> e : leases.entrySet()) {
        s = s.replace(e.getKey(), e.getValue());
        s = s.replace(Long.toUnsignedString(Long.parseUnsignedLong(e.getKey(), 16)), e.getValue());
      }
      s = REMAINING.matcher(s).replaceAll("remaining(<R>s)");
      // etcd collects a lease's keys in a Go map: their order is random. Compare them sorted.
      s =
          ATTACHED
              .matcher(s)
              .replaceAll(
                  m -> {
                    String[] keys = m.group(1).split(" ");
                    java.util.Arrays.sort(keys);
                    return Matcher.quoteReplacement("attached keys([" + String.join(" ", keys) + "])");
                  });
      return JSON_TTL.matcher(s).replaceAll("\"TTL\":<TTL>");
    }
  }

  private static void assertRemaining(String out, long low, long high) {
    Matcher m = REMAINING.matcher(out);
    assertTrue(m.find(), "no remaining TTL in: " + out);
    long r = Long.parseLong(m.group(1));
    assertTrue(r >= low && r <= high, "remaining " + r + " outside [" + low + ", " + high + "]: " + out);
  }

  private static List<String> transcript(EtcdProcess.Kind kind) throws InterruptedException {
    try (EtcdProcess server = EtcdProcess.start(kind, "lease-etcdctl-" + kind.name().toLowerCase())) {
      Session s = new Session(server);
      s.run("lease", "grant", "1"); // raised to the 2 s minimum
      s.run("lease", "revoke", "$1");
      s.run("lease", "grant", "9000000001");
      s.run("lease", "grant", "100");
      s.run("put", "k1", "v1", "--lease=$2");
      s.run("put", "k2", "v2", "--lease=$2");
      s.run("put", "k3", "v3", "--lease=$2");
      s.run("put", "k3", "v3b"); // a put without a lease detaches the key
      assertRemaining(s.run("lease", "timetolive", "$2", "--keys"), 97, 100);
      s.run("lease", "timetolive", "$2", "-w", "json");
      s.run("lease", "keep-alive", "--once", "$2");
      assertRemaining(s.run("lease", "timetolive", "$2"), 98, 100);
      s.run("get", "k", "--prefix", "-w", "json");
      s.run("put", "k4", "v4", "--lease=1234");
      s.run("lease", "keep-alive", "--once", "1234");
      s.run("lease", "timetolive", "1234");
      s.run("lease", "timetolive", "1234", "-w", "json");
      s.run("lease", "revoke", "1234");
      s.run("lease", "grant", "60");
      s.run("put", "k6", "a", "--lease=$3");
      s.run("put", "k6", "b", "--ignore-lease");
      s.run("put", "k6", "--ignore-value", "--lease=$3");
      s.run("get", "k6", "-w", "json");
      s.run("put", "k7", "x", "--lease=$3");
      s.run("del", "k7");
      s.run("lease", "timetolive", "$3", "--keys");
      s.run("lease", "list");
      s.run("lease", "revoke", "$2");
      s.run("get", "k", "--prefix");
      s.run("lease", "timetolive", "$2", "--keys");
      s.run("lease", "revoke", "$2");
      s.run("put", "k8", "y", "--lease=$2");
      s.keepAliveUntilRevoked();
      s.run("lease", "revoke", "$3");
      s.run("lease", "list");
      s.run("get", "", "--prefix", "--keys-only");
      return s.lines;
    }
  }

  @Test
  void etcdjMatchesEtcd() throws InterruptedException {
    List<String> expected = transcript(EtcdProcess.Kind.ETCD);
    List<String> actual = transcript(EtcdProcess.Kind.ETCDJ);
    String diff = LineDiff.diff(expected, actual, "etcd 3.4 (reference)", "etcdj");
    if (!diff.isEmpty()) {
      fail("lease session differs from etcd\n" + diff);
    }
    assertEquals(expected.size(), actual.size());
  }
}
