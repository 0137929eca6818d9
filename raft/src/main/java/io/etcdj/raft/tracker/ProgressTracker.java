package io.etcdj.raft.tracker;

import io.etcdj.api.internal.ConfState;
import io.etcdj.raft.quorum.MajorityConfig;
import io.etcdj.raft.quorum.VoteResult;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The current configuration (voters and learners, disjoint), a {@link Progress} per member and
 * the votes of the ongoing election (etcd's {@code tracker.ProgressTracker}, without joint
 * configurations). Sorted collections keep every iteration order, and therefore every message
 * order, deterministic.
 */
public final class ProgressTracker {
  private final int maxInflight;
  private final NavigableSet<Long> voters = new TreeSet<>();
  private final NavigableSet<Long> learners = new TreeSet<>();
  private final NavigableMap<Long, Progress> progress = new TreeMap<>();
  private final Map<Long, Boolean> votes = new HashMap<>();

  public ProgressTracker(int maxInflight) {
    if (maxInflight <= 0) {
      throw new IllegalArgumentException("maxInflight must be > 0: " + maxInflight);
    }
    this.maxInflight = maxInflight;
  }

  /** Adds {@code id} as a voter (promoting it if it is a learner). */
  public void addVoter(long id, long lastIndex) {
    checkId(id);
    learners.remove(id);
    voters.add(id);
    Progress pr = progress.get(id);
    if (pr == null) {
      progress.put(id, newProgress(lastIndex, false));
    } else {
      pr.setLearner(false);
    }
  }

  /** Adds {@code id} as a learner (demoting it if it is a voter). */
  public void addLearner(long id, long lastIndex) {
    checkId(id);
    voters.remove(id);
    learners.add(id);
    Progress pr = progress.get(id);
    if (pr == null) {
      progress.put(id, newProgress(lastIndex, true));
    } else {
      pr.setLearner(true);
    }
  }

  /**
   * Fresh progress for every member at the start of a term: everyone is probed from the end of
   * the log, except {@code selfId}, which matches it.
   */
  public void resetProgress(long selfId, long lastIndex) {
    for (Map.Entry<Long, Progress> e : progress.entrySet()) {
      Progress fresh =
          new Progress(0, lastIndex + 1, new Inflights(maxInflight), e.getValue().isLearner(), false);
      if (e.getKey() == selfId) {
        fresh.maybeUpdate(lastIndex);
      }
      e.setValue(fresh);
    }
  }

  public void remove(long id) {
    voters.remove(id);
    learners.remove(id);
    progress.remove(id);
    votes.remove(id);
  }

  private Progress newProgress(long lastIndex, boolean learner) {
    // Probe from the last index (etcd's choice); a new member is considered active so that
    // CheckQuorum does not depose the leader before the member had a chance to answer.
    return new Progress(0, Math.max(lastIndex, 1), new Inflights(maxInflight), learner, true);
  }

  private static void checkId(long id) {
    if (id == 0) {
      throw new IllegalArgumentException("node id 0 is reserved for 'none'");
    }
  }

  /** Replaces the configuration with {@code cs}; every progress starts fresh. */
  public void restore(ConfState cs, long lastIndex) {
    voters.clear();
    learners.clear();
    progress.clear();
    votes.clear();
    for (long id : cs.getVotersList()) {
      addVoter(id, lastIndex);
    }
    for (long id : cs.getLearnersList()) {
      if (voters.contains(id)) {
        throw new IllegalStateException("id " + id + " is both voter and learner in " + cs);
      }
      addLearner(id, lastIndex);
    }
  }

  public ConfState confState() {
    return ConfState.newBuilder().addAllVoters(voters).addAllLearners(learners).build();
  }

  /** The highest index acknowledged by a majority of voters. */
  public long committed() {
    return MajorityConfig.committedIndex(
        voters,
        id -> {
          Progress pr = progress.get(id);
          return pr == null ? 0 : pr.match();
        });
  }

  /** Whether a quorum of voters was recently active (the leader marks itself active). */
  public boolean quorumActive() {
    Map<Long, Boolean> active = new HashMap<>();
    for (long id : voters) {
      active.put(id, progress.get(id).recentActive());
    }
    return MajorityConfig.voteResult(voters, active) == VoteResult.WON;
  }

  /** Whether the configuration has exactly one voter. */
  public boolean isSingleton() {
    return voters.size() == 1;
  }

  public void resetVotes() {
    votes.clear();
  }

  /** Records a vote; later votes from the same node are ignored. */
  public void recordVote(long id, boolean granted) {
    votes.putIfAbsent(id, granted);
  }

  public VoteResult tallyVotes() {
    return MajorityConfig.voteResult(voters, votes);
  }

  public int grantedVotes() {
    int n = 0;
    for (long id : voters) {
      if (Boolean.TRUE.equals(votes.get(id))) {
        n++;
      }
    }
    return n;
  }

  public VoteResult voteResult(Map<Long, Boolean> acks) {
    return MajorityConfig.voteResult(voters, acks);
  }

  public Progress progress(long id) {
    return progress.get(id);
  }

  /** Every member's progress, voters and learners, in id order. */
  public NavigableMap<Long, Progress> progressMap() {
    return Collections.unmodifiableNavigableMap(progress);
  }

  public NavigableSet<Long> voters() {
    return Collections.unmodifiableNavigableSet(voters);
  }

  public NavigableSet<Long> learners() {
    return Collections.unmodifiableNavigableSet(learners);
  }

  public int maxInflight() {
    return maxInflight;
  }
}
