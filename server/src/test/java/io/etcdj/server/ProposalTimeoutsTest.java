package io.etcdj.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.etcdj.server.errors.EtcdError;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The reasons etcd's parseProposeCtxErr gives for a proposal raft took but did not apply in time. */
class ProposalTimeoutsTest {
  static final long SELF = 1;
  static final long PEER_A = 2;
  static final long PEER_B = 3;
  static final List<Long> MEMBERS = List.of(SELF, PEER_A, PEER_B);
  static final long ELECTION_MS = 1_000;
  /** When the proposal was made. */
  static final long START = 100_000;

  static Stream<Arguments> cases() {
    return Stream.of(
        // name, leaderElected, leader, peer connected-since times, expected
        Arguments.of("no leader", 0L, 0L, Map.of(PEER_A, 1L, PEER_B, 1L), EtcdError.TIMEOUT),
        Arguments.of(
            "made just before this member was elected",
            START + 500,
            SELF,
            Map.of(PEER_A, 1L, PEER_B, 1L),
            EtcdError.TIMEOUT_LEADER_FAIL),
        Arguments.of(
            "elected within two election timeouts after, even with no leader now",
            START + 2 * ELECTION_MS - 1,
            0L,
            Map.of(),
            EtcdError.TIMEOUT_LEADER_FAIL),
        Arguments.of(
            "elected exactly two election timeouts after: the window is open",
            START + 2 * ELECTION_MS,
            SELF,
            Map.of(PEER_A, 1L, PEER_B, 1L),
            EtcdError.TIMEOUT),
        Arguments.of(
            "elected at the very moment: the window is open",
            START,
            SELF,
            Map.of(PEER_A, 1L, PEER_B, 1L),
            EtcdError.TIMEOUT),
        Arguments.of(
            "elected before, leading a connected quorum",
            START - 10,
            SELF,
            Map.of(PEER_A, 1L, PEER_B, 0L),
            EtcdError.TIMEOUT),
        Arguments.of(
            "leading, every peer down",
            START - 10,
            SELF,
            Map.of(PEER_A, 0L, PEER_B, 0L),
            EtcdError.TIMEOUT_CONNECTION_LOST),
        Arguments.of(
            "leading, peers reconnected only after the proposal",
            START - 10,
            SELF,
            Map.of(PEER_A, START + 1, PEER_B, START),
            EtcdError.TIMEOUT_CONNECTION_LOST),
        Arguments.of(
            "following a leader connected since before", 0L, PEER_A, Map.of(PEER_A, 1L), EtcdError.TIMEOUT),
        Arguments.of(
            "following a leader whose stream is down",
            0L,
            PEER_A,
            Map.of(PEER_A, 0L, PEER_B, 1L),
            EtcdError.TIMEOUT_CONNECTION_LOST),
        Arguments.of(
            "following a leader connected only since the proposal",
            0L,
            PEER_A,
            Map.of(PEER_A, START),
            EtcdError.TIMEOUT_CONNECTION_LOST));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void classifies(String name, long leaderElected, long leader, Map<Long, Long> activeSince, EtcdError expected) {
    assertEquals(
        expected,
        ProposalTimeouts.classify(
            START, leaderElected, ELECTION_MS, leader, SELF, MEMBERS, id -> activeSince.getOrDefault(id, 0L)));
  }
}
