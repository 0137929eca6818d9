package io.etcdj.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.etcdj.api.etcdserverpb.Member;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class LeadershipHandoverTest {
  private static Member voter(long id) {
    return Member.newBuilder().setID(id).build();
  }

  private static List<Long> handOver(long self, long leader, List<Member> members, Map<Long, Long> up, CompletableFuture<Void> result) {
    List<Long> asked = new ArrayList<>();
    LeadershipHandover.beforeStop(
        self,
        leader,
        members,
        id -> up.getOrDefault(id, 0L),
        id -> {
          asked.add(id);
          return result;
        },
        200);
    return asked;
  }

  @Test
  void aLeaderHandsOverToTheVoterConnectedLongest() {
    List<Member> members = List.of(voter(1), voter(2), voter(3), Member.newBuilder().setID(4).setIsLearner(true).build());
    Map<Long, Long> up = Map.of(2L, 5_000L, 3L, 1_000L, 4L, 10L);
    assertEquals(List.of(3L), handOver(1, 1, members, up, CompletableFuture.completedFuture(null)));
  }

  @Test
  void nothingToDoForAFollowerASingleVoterOrNoConnectedPeer() {
    List<Member> three = List.of(voter(1), voter(2), voter(3));
    assertEquals(List.of(), handOver(1, 2, three, Map.of(2L, 1L), CompletableFuture.completedFuture(null)));
    assertEquals(
        List.of(), handOver(1, 1, List.of(voter(1), Member.newBuilder().setID(2).setIsLearner(true).build()), Map.of(2L, 1L), CompletableFuture.completedFuture(null)));
    assertEquals(List.of(), handOver(1, 1, three, Map.of(), CompletableFuture.completedFuture(null)));
  }

  @Test
  void aHandOverThatFailsOrHangsOnlyDelaysTheStop() {
    List<Member> two = List.of(voter(1), voter(2));
    assertEquals(List.of(2L), handOver(1, 1, two, Map.of(2L, 1L), CompletableFuture.failedFuture(new IllegalStateException("gone"))));
    long start = System.nanoTime();
    assertEquals(List.of(2L), handOver(1, 1, two, Map.of(2L, 1L), new CompletableFuture<>()));
    long tookMs = (System.nanoTime() - start) / 1_000_000;
    assertEquals(true, tookMs >= 200 && tookMs < 5_000, "took " + tookMs + " ms");
  }
}
