package io.etcdj.server.robustness;

import io.etcdj.server.robustness.KvRequest.Compare;
import io.etcdj.server.robustness.KvRequest.Delete;
import io.etcdj.server.robustness.KvRequest.Get;
import io.etcdj.server.robustness.KvRequest.Put;
import io.etcdj.server.robustness.KvRequest.Txn;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The KV traffic of a robustness run, as etcd's suite drives it: a few clients, one call in
 * flight each, on a handful of keys (so calls collide), every written value unique. The mix:
 * half linearizable gets, puts, deletes, and compare-and-swap txns on the mod revision the client
 * last saw for the key (so both branches run). Client {@code i} talks to endpoint {@code i mod n}.
 */
public final class KvTraffic {

  public record Config(int clients, Duration duration, int keys, String prefix, long seed, Duration callTimeout) {
    public static Config of(int clients, Duration duration, long seed) {
      return new Config(clients, duration, 10, "rb/", seed, Duration.ofSeconds(2));
    }
  }

  private static final long BACKOFF_MS = 50;

  private KvTraffic() {}

  /** Runs the traffic to its end and returns every call made, in no particular order. */
  public static List<Operation> run(Config cfg, List<String> endpoints) throws InterruptedException {
    return run(cfg, endpoints, new TermLog());
  }

  /** As above; every answer's raft term goes to {@code terms}. */
  public static List<Operation> run(Config cfg, List<String> endpoints, TermLog terms) throws InterruptedException {
    List<Operation> history = Collections.synchronizedList(new ArrayList<>());
    long deadline = System.nanoTime() + cfg.duration().toNanos();
    List<Thread> threads = new ArrayList<>();
    List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    for (int i = 0; i < cfg.clients(); i++) {
      int client = i;
      Thread t =
          new Thread(
              () -> {
                try (JetcdRecorder r = new JetcdRecorder(client, endpoints.get(client % endpoints.size()), cfg.callTimeout(), terms)) {
                  Random rnd = new Random(cfg.seed() * 1_000_003L + client);
                  Map<String, Long> seenMod = new HashMap<>();
                  int seq = 0;
                  while (System.nanoTime() < deadline) {
                    Operation op = r.call(next(cfg, rnd, client, seq++, seenMod));
                    history.add(op);
                    remember(op, seenMod);
                    if (op.response() == null) {
                      // A member that is down fails calls at once: back off rather than pile up
                      // unknown outcomes, as a real client's retry policy would.
                      Thread.sleep(BACKOFF_MS);
                    }
                  }
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                  failures.add(e);
                }
              },
              "kv-traffic-" + client);
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    if (!failures.isEmpty()) {
      throw new IllegalStateException("a traffic client failed", failures.get(0));
    }
    return new ArrayList<>(history);
  }

  static KvRequest next(Config cfg, Random rnd, int client, int seq, Map<String, Long> seenMod) {
    String key = cfg.prefix() + rnd.nextInt(cfg.keys());
    String value = "c" + client + "-" + seq;
    int dice = rnd.nextInt(100);
    if (dice < 50) {
      return new Get(key);
    }
    if (dice < 70) {
      return new Put(key, value);
    }
    if (dice < 80) {
      return new Delete(key);
    }
    long mod = seenMod.getOrDefault(key, 0L);
    return new Txn(
        List.of(new Compare(key, Compare.Target.MOD, Compare.Result.EQUAL, mod)),
        List.of(new Put(key, value)),
        List.of(new Get(key)));
  }

  /** The mod revision the client now believes the key has (0: absent), for its next compare. */
  private static void remember(Operation op, Map<String, Long> seenMod) {
    KvResponse r = op.response();
    KvRequest q = op.request();
    if (r instanceof KvResponse.GetResult g) {
      seenMod.put(((Get) q).key(), g.kv() == null ? 0 : g.kv().modRevision());
    } else if (r instanceof KvResponse.PutResult p) {
      seenMod.put(((Put) q).key(), p.revision());
    } else if (r instanceof KvResponse.DeleteResult) {
      seenMod.put(((Delete) q).key(), 0L);
    } else if (r instanceof KvResponse.TxnResult t) {
      String key = ((Txn) q).compares().get(0).key();
      if (t.succeeded()) {
        seenMod.put(key, t.revision());
      } else {
        KeyValue kv = ((KvResponse.Got) t.results().get(0)).kv();
        seenMod.put(key, kv == null ? 0 : kv.modRevision());
      }
    }
  }
}
