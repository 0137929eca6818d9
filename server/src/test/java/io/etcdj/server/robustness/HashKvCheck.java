package io.etcdj.server.robustness;

import io.etcd.jetcd.Client;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Oracle 5: every member's HashKV at one revision; equal stores give one distinct hash. */
public final class HashKvCheck {
  private HashKvCheck() {}

  /** The distinct HashKV values of the members at {@code revision}, waiting up to 10 s for a member that has not applied it yet. */
  public static Set<Integer> hashesAt(List<String> endpoints, long revision) throws Exception {
    Set<Integer> hashes = new HashSet<>();
    try (Client client = Client.builder().endpoints(endpoints.toArray(new String[0])).build()) {
      for (String ep : endpoints) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
          try {
            hashes.add(client.getMaintenanceClient().hashKV(ep, revision).get(5, TimeUnit.SECONDS).getHash());
            break;
          } catch (ExecutionException e) {
            if (System.nanoTime() > deadline) {
              throw e;
            }
            Thread.sleep(100); // "future revision": that member has not applied it yet
          }
        }
      }
    }
    return hashes;
  }
}
