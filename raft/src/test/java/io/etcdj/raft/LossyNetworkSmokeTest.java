package io.etcdj.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A small seeded smoke test: random drops, partitions, crash-restarts and proposals; checks
 * election safety (one leader per term, asserted by {@link Network#leader()}) and state machine
 * safety (every node's applied sequence is a prefix of the longest one). The thorough
 * simulation (delay, reorder, duplicate, thousands of seeds) is {@code io.etcdj.raft.sim}.
 */
class LossyNetworkSmokeTest {
  @Test
  void safetyUnderDropsPartitionsAndRestarts() {
    for (long seed = 1; seed <= 40; seed++) {
      run(seed);
    }
  }

  private static void run(long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    Network net = Network.of(seed, 5);
    int proposals = 0;
    for (int step = 0; step < 300; step++) {
      int action = rnd.nextInt(100);
      if (action < 5) {
        net.isolate(1 + rnd.nextInt(5));
      } else if (action < 10) {
        net.recover();
      } else if (action < 13) {
        net.restart(1 + rnd.nextInt(5));
      } else if (action < 18) {
        net.drop(1 + rnd.nextInt(5), 1 + rnd.nextInt(5), 0.5);
      } else if (action < 40) {
        long lead = net.leader();
        if (lead != 0) {
          try {
            net.propose(lead, "s" + seed + "-" + proposals++);
          } catch (ProposalDroppedException e) {
            // transfer in progress or stepped down
          }
        }
      } else {
        net.tickAll(1);
      }
      net.leader();
      checkPrefixes(net, seed, step);
    }
    net.recover();
    net.tickAll(6 * RaftConfig.ELECTION_TICKS_DEFAULT);
    long lead = net.leader();
    assertTrue(lead != 0, "no leader after healing: " + net.describe());
    net.propose(lead, "final");
    net.tickAll(3);
    List<String> want = net.node(lead).applied;
    for (Network.Node n : net.nodes.values()) {
      assertEquals(want, n.applied, "node " + n.id + " did not converge: " + net.describe());
    }
  }

  private static void checkPrefixes(Network net, long seed, int step) {
    List<String> longest = List.of();
    for (Network.Node n : net.nodes.values()) {
      if (n.applied.size() > longest.size()) {
        longest = n.applied;
      }
    }
    for (Network.Node n : net.nodes.values()) {
      assertEquals(
          longest.subList(0, n.applied.size()),
          n.applied,
          "seed " + seed + " step " + step + ": node " + n.id + " applied a divergent sequence");
    }
  }
}
