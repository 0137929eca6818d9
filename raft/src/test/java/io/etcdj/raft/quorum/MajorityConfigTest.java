package io.etcdj.raft.quorum;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MajorityConfigTest {

  static Stream<Arguments> committedCases() {
    return Stream.of(
        // match indexes of the voters (index i is voter i+1), expected committed index
        Arguments.of(new long[] {}, Long.MAX_VALUE),
        Arguments.of(new long[] {5}, 5L),
        Arguments.of(new long[] {5, 3}, 3L),
        Arguments.of(new long[] {2, 2, 1}, 2L),
        Arguments.of(new long[] {1, 2, 3}, 2L),
        Arguments.of(new long[] {3, 1, 1}, 1L),
        Arguments.of(new long[] {0, 0, 7}, 0L),
        Arguments.of(new long[] {1, 2, 3, 4}, 2L),
        Arguments.of(new long[] {4, 4, 1, 1}, 1L),
        Arguments.of(new long[] {5, 4, 3, 2, 1}, 3L),
        Arguments.of(new long[] {9, 9, 9, 0, 0}, 9L));
  }

  @ParameterizedTest
  @MethodSource("committedCases")
  void committedIndexIsTheQuorumthLargestMatch(long[] matches, long want) {
    List<Long> voters = new ArrayList<>();
    for (long id = 1; id <= matches.length; id++) {
      voters.add(id);
    }
    assertEquals(want, MajorityConfig.committedIndex(voters, id -> matches[(int) id - 1]));
  }

  @Test
  void learnersNotInTheVoterSetDoNotCount() {
    // Voters 1,2,3; learner 4 has everything but is not passed in.
    Map<Long, Long> match = Map.of(1L, 10L, 2L, 1L, 3L, 1L, 4L, 10L);
    assertEquals(1L, MajorityConfig.committedIndex(List.of(1L, 2L, 3L), match::get));
  }

  @Test
  void committedIndexMatchesNaiveDefinition() {
    SplittableRandom rnd = new SplittableRandom(42);
    for (int round = 0; round < 2000; round++) {
      int n = 1 + rnd.nextInt(7);
      long[] m = new long[n];
      List<Long> voters = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        m[i] = rnd.nextInt(10);
        voters.add((long) i + 1);
      }
      // Naive: the largest index acknowledged by at least a quorum.
      long naive = 0;
      for (long idx = 0; idx <= 10; idx++) {
        int acks = 0;
        for (long x : m) {
          if (x >= idx) {
            acks++;
          }
        }
        if (acks >= n / 2 + 1) {
          naive = idx;
        }
      }
      assertEquals(naive, MajorityConfig.committedIndex(voters, id -> m[(int) id - 1]), "seed 42 round " + round);
    }
  }

  static Stream<Arguments> voteCases() {
    // voters, granted ids, rejected ids, expected
    return Stream.of(
        Arguments.of(0, List.of(), List.of(), VoteResult.WON),
        Arguments.of(1, List.of(), List.of(), VoteResult.PENDING),
        Arguments.of(1, List.of(1L), List.of(), VoteResult.WON),
        Arguments.of(1, List.of(), List.of(1L), VoteResult.LOST),
        Arguments.of(3, List.of(1L), List.of(), VoteResult.PENDING),
        Arguments.of(3, List.of(1L, 2L), List.of(), VoteResult.WON),
        Arguments.of(3, List.of(1L), List.of(2L), VoteResult.PENDING),
        Arguments.of(3, List.of(1L), List.of(2L, 3L), VoteResult.LOST),
        Arguments.of(4, List.of(1L, 2L), List.of(3L), VoteResult.PENDING),
        Arguments.of(4, List.of(1L, 2L), List.of(3L, 4L), VoteResult.LOST),
        Arguments.of(4, List.of(1L, 2L, 3L), List.of(), VoteResult.WON),
        Arguments.of(5, List.of(1L, 2L, 3L), List.of(4L, 5L), VoteResult.WON),
        Arguments.of(5, List.of(1L, 2L), List.of(3L, 4L, 5L), VoteResult.LOST),
        // A vote from a non-voter (learner 9) is ignored.
        Arguments.of(3, List.of(1L, 9L), List.of(2L, 3L), VoteResult.LOST));
  }

  @ParameterizedTest
  @MethodSource("voteCases")
  void voteResult(int voters, List<Long> yes, List<Long> no, VoteResult want) {
    List<Long> ids = new ArrayList<>();
    for (long id = 1; id <= voters; id++) {
      ids.add(id);
    }
    Map<Long, Boolean> votes = new HashMap<>();
    yes.forEach(id -> votes.put(id, true));
    no.forEach(id -> votes.put(id, false));
    assertEquals(want, MajorityConfig.voteResult(ids, votes));
  }
}
