package io.etcdj.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Requests a follower forwards to its leader keep their original sender (etcd's {@code send}
 * only stamps {@code From} when it is unset). Found by the seeded simulation (seed 46): a
 * follower relayed a transfer request as if it were the transferee, and a read request relayed
 * twice was answered to the relay instead of the requester.
 */
class ForwardingTest {
  @Test
  void transferRequestedOnFollowerGoesToTheNamedTransferee() {
    Network net = Network.of(1, 3);
    net.campaign(1);
    assertEquals(1, net.leader(), net.describe());

    net.node(2).raw.transferLeader(3);
    net.stabilize();
    net.tickAll(1);

    assertEquals(3, net.leader(), "leadership must go to 3, not to the relaying follower: " + net.describe());
  }

  @Test
  void transferToTheCurrentLeaderIsNotRelayed() {
    Network net = Network.of(1, 3);
    net.campaign(1);
    assertEquals(1, net.leader(), net.describe());

    net.node(2).raw.transferLeader(1);

    assertTrue(net.node(2).raft().msgs.isEmpty(), "relayed a self-addressed transfer: " + net.node(2).raft().msgs);
  }

  @Test
  void readIndexRelayedTwiceIsAnsweredToTheRequester() {
    Network net = Network.of(1, 3);
    net.campaign(1);
    assertEquals(1, net.leader(), net.describe());
    net.propose(1, "x");
    // Node 3 still believes node 2 leads (a stale view after a leader change): its request
    // travels 3 -> 2 -> 1.
    net.node(3).raft().lead = 2;

    net.node(3).raw.readIndex("r3".getBytes(StandardCharsets.UTF_8));
    net.stabilize();

    long commit = net.node(1).status().commit();
    assertEquals(List.of(new ReadState(commit, ByteString.copyFromUtf8("r3"))), net.node(3).readStates);
    assertTrue(net.node(2).readStates.isEmpty(), "the relay got someone else's read state");
  }
}
