package io.etcdj.raft.tracker;

/**
 * The leader's view of one follower (etcd's {@code tracker.Progress}). Invariant: {@code match <
 * next}. Everything below {@code match} is known to be in the follower's log; {@code next} is the
 * first index the leader will send next.
 */
public final class Progress {
  private long match;
  private long next;
  private ProgressState state = ProgressState.PROBE;
  /** In SNAPSHOT state, the index of the snapshot being sent. */
  private long pendingSnapshot;
  /** Set on any message from the follower; cleared by the leader every election timeout. */
  private boolean recentActive;
  /**
   * In PROBE: an append was sent and the answer is awaited. In REPLICATE: the window is full and
   * only a heartbeat answer may unblock it. (etcd's {@code MsgAppProbesPaused}.)
   */
  private boolean msgAppProbesPaused;

  private final Inflights inflights;
  private boolean learner;

  public Progress(long match, long next, Inflights inflights, boolean learner, boolean active) {
    if (match >= next) {
      throw new IllegalStateException("progress invariant match < next broken: " + match + "/" + next);
    }
    this.match = match;
    this.next = next;
    this.inflights = inflights;
    this.learner = learner;
    this.recentActive = active;
  }

  private void resetState(ProgressState newState) {
    msgAppProbesPaused = false;
    pendingSnapshot = 0;
    state = newState;
    inflights.reset();
  }

  /**
   * Back to probing. Leaving SNAPSHOT, the follower is assumed to have the snapshot (if it was
   * reported applied), so probing starts after it.
   */
  public void becomeProbe() {
    if (state == ProgressState.SNAPSHOT) {
      long pending = pendingSnapshot;
      resetState(ProgressState.PROBE);
      next = Math.max(match + 1, pending + 1);
    } else {
      resetState(ProgressState.PROBE);
      next = match + 1;
    }
  }

  public void becomeReplicate() {
    resetState(ProgressState.REPLICATE);
    next = match + 1;
  }

  public void becomeSnapshot(long snapshotIndex) {
    resetState(ProgressState.SNAPSHOT);
    pendingSnapshot = snapshotIndex;
    next = snapshotIndex + 1;
  }

  /** The snapshot was not applied: forget it, so that probing restarts from {@code match + 1}. */
  public void resetPendingSnapshot() {
    pendingSnapshot = 0;
  }

  /** Accounts for a MsgApp carrying {@code entries} entries of {@code bytes} total size. */
  public void sentEntries(int entries, long bytes) {
    switch (state) {
      case REPLICATE -> {
        if (entries > 0) {
          next += entries;
          inflights.add(next - 1, bytes);
        }
        // A message that fills the window is a probe: the flow pauses until an ack frees it.
        msgAppProbesPaused = inflights.full();
      }
      case PROBE -> {
        if (entries > 0) {
          msgAppProbesPaused = true;
        }
      }
      case SNAPSHOT ->
          throw new IllegalStateException("sending append to a follower in state SNAPSHOT");
    }
  }

  /**
   * Handles an accepted append up to {@code n}. Returns false when the ack is stale (does not
   * raise match).
   */
  public boolean maybeUpdate(long n) {
    boolean updated = false;
    if (match < n) {
      match = n;
      updated = true;
      msgAppProbesPaused = false;
    }
    next = Math.max(next, n + 1);
    return updated;
  }

  /**
   * Handles a rejected append at {@code rejected}; {@code matchHint} is the highest index the
   * follower might still share with the leader. Returns false when the rejection is stale.
   */
  public boolean maybeDecrTo(long rejected, long matchHint) {
    if (state == ProgressState.REPLICATE) {
      if (rejected <= match) {
        return false;
      }
      next = match + 1;
      return true;
    }
    // Probes go out one at a time, so a rejection that is not of next-1 is a stale duplicate.
    if (next - 1 != rejected) {
      return false;
    }
    next = Math.max(Math.min(rejected, matchHint + 1), match + 1);
    msgAppProbesPaused = false;
    return true;
  }

  /** Whether the leader must hold back appends to this follower. */
  public boolean isPaused() {
    return switch (state) {
      case PROBE -> msgAppProbesPaused;
      case REPLICATE -> msgAppProbesPaused && inflights.full();
      case SNAPSHOT -> true;
    };
  }

  public long match() {
    return match;
  }

  public long next() {
    return next;
  }

  public ProgressState state() {
    return state;
  }

  public long pendingSnapshot() {
    return pendingSnapshot;
  }

  public boolean recentActive() {
    return recentActive;
  }

  public void setRecentActive(boolean active) {
    this.recentActive = active;
  }

  public boolean msgAppProbesPaused() {
    return msgAppProbesPaused;
  }

  public void setMsgAppProbesPaused(boolean paused) {
    this.msgAppProbesPaused = paused;
  }

  public Inflights inflights() {
    return inflights;
  }

  public boolean isLearner() {
    return learner;
  }

  public void setLearner(boolean learner) {
    this.learner = learner;
  }

  @Override
  public String toString() {
    return state
        + " match=" + match
        + " next=" + next
        + (learner ? " learner" : "")
        + (msgAppProbesPaused ? " paused" : "")
        + (state == ProgressState.SNAPSHOT ? " pendingSnap=" + pendingSnapshot : "")
        + (inflights.count() > 0 ? " inflight=" + inflights.count() : "");
  }
}
