package io.etcdj.raft;

/**
 * Immutable, validated parameters of one Raft node (etcd's {@code raft.Config}).
 *
 * @param id this node's id, never 0
 * @param electionTicks ticks without hearing from a leader before a follower campaigns; the
 *     actual timeout is drawn from {@code [electionTicks, 2 * electionTicks)}
 * @param heartbeatTicks ticks between leader heartbeats; must be less than {@code electionTicks}
 * @param maxSizePerMsgBytes soft bound on the entries in one MsgApp, and on the committed entries
 *     of one Ready (at least one entry always goes out)
 * @param maxInflightMsgs bound on unacknowledged MsgApps per follower in replicate state
 * @param preVote run a PreVote round before raising the term (thesis §9.6)
 * @param checkQuorum a leader without an active quorum for an election timeout steps down, and
 *     followers ignore votes while they heard from a leader within the election timeout
 * @param appliedIndex the last index the application applied before (re)starting; committed
 *     entries up to it are not handed out again
 * @param randomSeed seed of the election-timeout jitter, so that runs are reproducible
 */
public record RaftConfig(
    long id,
    int electionTicks,
    int heartbeatTicks,
    long maxSizePerMsgBytes,
    int maxInflightMsgs,
    boolean preVote,
    boolean checkQuorum,
    long appliedIndex,
    long randomSeed) {

  public static final int ELECTION_TICKS_DEFAULT = 10;
  public static final int HEARTBEAT_TICKS_DEFAULT = 1;
  public static final long MAX_SIZE_PER_MSG_BYTES_DEFAULT = 1024 * 1024;
  public static final int MAX_INFLIGHT_MSGS_DEFAULT = 512;
  /** Upper bound on ticks, so that tick counters can never overflow in practice. */
  public static final int TICKS_MAX = 1_000_000;

  public RaftConfig {
    // Ids are unsigned 64-bit (etcd's member ids often have the top bit set); only 0 is "none".
    if (id == 0) {
      throw new IllegalArgumentException("id must not be 0 (none)");
    }
    if (heartbeatTicks <= 0 || heartbeatTicks > TICKS_MAX) {
      throw new IllegalArgumentException("heartbeatTicks must be in (0, " + TICKS_MAX + "]: " + heartbeatTicks);
    }
    if (electionTicks <= heartbeatTicks || electionTicks > TICKS_MAX) {
      throw new IllegalArgumentException(
          "electionTicks must be > heartbeatTicks (" + heartbeatTicks + ") and <= " + TICKS_MAX + ": " + electionTicks);
    }
    if (maxSizePerMsgBytes <= 0) {
      throw new IllegalArgumentException("maxSizePerMsgBytes must be > 0: " + maxSizePerMsgBytes);
    }
    if (maxInflightMsgs <= 0) {
      throw new IllegalArgumentException("maxInflightMsgs must be > 0: " + maxInflightMsgs);
    }
    if (appliedIndex < 0) {
      throw new IllegalArgumentException("appliedIndex must be >= 0: " + appliedIndex);
    }
  }

  /** etcd's defaults: 10 election ticks, 1 heartbeat tick, 1 MiB messages, 512 inflight, PreVote and CheckQuorum on. */
  public static RaftConfig defaults(long id, long randomSeed) {
    return new RaftConfig(
        id,
        ELECTION_TICKS_DEFAULT,
        HEARTBEAT_TICKS_DEFAULT,
        MAX_SIZE_PER_MSG_BYTES_DEFAULT,
        MAX_INFLIGHT_MSGS_DEFAULT,
        true,
        true,
        0,
        randomSeed);
  }

  public RaftConfig withTicks(int election, int heartbeat) {
    return new RaftConfig(id, election, heartbeat, maxSizePerMsgBytes, maxInflightMsgs, preVote, checkQuorum, appliedIndex, randomSeed);
  }

  public RaftConfig withLimits(long maxSizePerMsg, int maxInflight) {
    return new RaftConfig(id, electionTicks, heartbeatTicks, maxSizePerMsg, maxInflight, preVote, checkQuorum, appliedIndex, randomSeed);
  }

  public RaftConfig withPreVote(boolean on) {
    return new RaftConfig(id, electionTicks, heartbeatTicks, maxSizePerMsgBytes, maxInflightMsgs, on, checkQuorum, appliedIndex, randomSeed);
  }

  public RaftConfig withCheckQuorum(boolean on) {
    return new RaftConfig(id, electionTicks, heartbeatTicks, maxSizePerMsgBytes, maxInflightMsgs, preVote, on, appliedIndex, randomSeed);
  }

  public RaftConfig withAppliedIndex(long applied) {
    return new RaftConfig(id, electionTicks, heartbeatTicks, maxSizePerMsgBytes, maxInflightMsgs, preVote, checkQuorum, applied, randomSeed);
  }
}
