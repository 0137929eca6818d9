package io.etcdj.storage.failpoint;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Named crash and delay points in the write path, for robustness tests (etcd's gofail points
 * {@code raftBeforeSave}, {@code raftAfterSave}, {@code beforeCommit}, {@code afterCommit}).
 * Off unless the environment variable {@code ETCDJ_FAILPOINTS} is set at start-up, e.g.
 * {@code ETCDJ_FAILPOINTS="raftAfterSave=panic@100;applyBeforeCommit=sleep(50)"}; with it unset,
 * {@link #hit} is one read of an empty map.
 *
 * <p>Actions: {@code panic} halts the process at once (as kill -9 would, no shutdown hooks);
 * {@code panic@N} halts on the N-th hit; {@code sleep(MS)} pauses the calling thread; {@code on}
 * turns a behaviour point ({@link #on}) on.
 *
 * <p>The class lives in the storage module, the lowest one every writer in the process depends
 * on, so the server's raft and apply points and the store's own (compaction steps, backend
 * checkpoints) share one switch.
 */
public final class FailPoints {
  private static final Logger LOG = LoggerFactory.getLogger(FailPoints.class);

  /** Before the raft loop appends a run of entries to the WAL. */
  public static final String RAFT_BEFORE_SAVE = "raftBeforeSave";
  /** After the WAL fsync, before the entries reach the apply loop. */
  public static final String RAFT_AFTER_SAVE = "raftAfterSave";
  /** After a batch is applied to the store, before the backend commit. */
  public static final String APPLY_BEFORE_COMMIT = "applyBeforeCommit";
  /** After the backend commit, before the proposers are answered. */
  public static final String APPLY_AFTER_COMMIT = "applyAfterCommit";
  /** Raft accepted a leader's snapshot; before its file is kept and the WAL records it. */
  public static final String RAFT_BEFORE_SAVE_SNAP = "raftBeforeSaveSnap";
  /** After the WAL recorded a leader's snapshot, before the store's replacement is queued. */
  public static final String RAFT_AFTER_SAVE_SNAP = "raftAfterSaveSnap";
  /** On the apply thread, before a leader's snapshot is read into the store. */
  public static final String APPLY_BEFORE_OPEN_SNAPSHOT = "applyBeforeOpenSnapshot";
  /** After the store holding a leader's snapshot committed, before it is synced. */
  public static final String APPLY_AFTER_RESTORE_SNAPSHOT = "applyAfterRestoreSnapshot";

  /** On a watch stream's send thread, before a response goes out. */
  public static final String WATCH_BEFORE_SEND = "watchBeforeSend";
  /** On the apply thread, before a LeaseRevoke (a client's, or an expiry's) deletes its keys. */
  public static final String APPLY_BEFORE_LEASE_REVOKE = "applyBeforeLeaseRevoke";
  /** On the apply thread, before a snapshot of the store is taken for a follower. */
  public static final String APPLY_BEFORE_SEND_SNAPSHOT = "applyBeforeSendSnapshot";

  /** In a step of a physical compaction, after its deletes, before its backend commit. */
  public static final String COMPACT_BEFORE_COMMIT_BATCH = "compactBeforeCommitBatch";
  /** After a compaction step committed (the cursor, or the finished mark, with it). */
  public static final String COMPACT_AFTER_COMMIT_BATCH = "compactAfterCommitBatch";
  /** In a backend checkpoint, after the fsync of the store, before its metas are saved. */
  public static final String BACKEND_BEFORE_CHECKPOINT_SAVE = "backendBeforeCheckpointSave";
  /** After a checkpoint's metas are saved, before the previous checkpoint's tree is released. */
  public static final String BACKEND_AFTER_CHECKPOINT_SAVE = "backendAfterCheckpointSave";

  /**
   * A behaviour point: this member applies every Put with its value altered, so its store (and
   * its HashKV) silently diverges from its peers', as a corrupted member's would. For the
   * corruption-check tests.
   */
  public static final String APPLY_CORRUPT_PUT = "applyCorruptPut";

  // Planted bugs: behaviour points that re-create a known class of bug, for the robustness
  // harness's self-test (each must be caught; see docs/robustness.md). Never on in production:
  // only ETCDJ_FAILPOINTS turns one on.

  /** The applied index leaves the data's txn: saved in a txn of its own every 64 batches. */
  public static final String BUG_INDEX_OUTSIDE_TXN = "bugIndexOutsideTxn";
  /** Appends are acknowledged (and applied) before the WAL is fsynced: no fsync at all. */
  public static final String BUG_ACK_BEFORE_FSYNC = "bugAckBeforeFsync";
  /** A watcher catching up from history after a compaction loses the DELETE events it reads. */
  public static final String BUG_LOST_DELETE_AFTER_COMPACTION = "bugLostDeleteAfterCompaction";
  /**
   * Progress notifications go out ahead of events, as in etcd issue 15220: a requested one at
   * once with the store's revision, and periodic ones to watchers still catching up.
   */
  public static final String BUG_PROGRESS_AHEAD_OF_EVENTS = "bugProgressAheadOfEvents";
  /** A member that believes it leads answers linearizable reads without a quorum's read index. */
  public static final String BUG_STALE_LEADER_READ = "bugStaleLeaderRead";
  /** A follower revokes leases by its own clock (first sight + TTL), blind to renewals. */
  public static final String BUG_FOLLOWER_LEASE_CLOCK = "bugFollowerLeaseClock";

  private record Action(String spec, long panicAt, long sleepMs, AtomicLong hits) {}

  private static final Map<String, Action> ACTIVE = parse(System.getenv("ETCDJ_FAILPOINTS"));

  private FailPoints() {}

  /** Runs the action configured for {@code name}, if any. */
  public static void hit(String name) {
    if (ACTIVE.isEmpty()) {
      return;
    }
    Action a = ACTIVE.get(name);
    if (a == null) {
      return;
    }
    long n = a.hits().incrementAndGet();
    if (a.sleepMs() > 0) {
      try {
        Thread.sleep(a.sleepMs());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    } else if (n == a.panicAt()) {
      LOG.error("failpoint {}={} triggered on hit {}: halting", name, a.spec(), n);
      System.err.flush();
      Runtime.getRuntime().halt(2);
    }
  }

  /** True when behaviour point {@code name} is set to {@code on}. */
  public static boolean on(String name) {
    if (ACTIVE.isEmpty()) {
      return false;
    }
    Action a = ACTIVE.get(name);
    return a != null && a.spec().equals("on");
  }

  static Map<String, Action> parse(String spec) {
    Map<String, Action> out = new HashMap<>();
    if (spec == null || spec.isBlank()) {
      return out;
    }
    for (String part : spec.split(";")) {
      String[] kv = part.trim().split("=", 2);
      if (kv.length != 2) {
        throw new IllegalArgumentException("bad failpoint spec: " + part);
      }
      String action = kv[1].trim();
      long panicAt = 0;
      long sleepMs = 0;
      if (action.equals("panic")) {
        panicAt = 1;
      } else if (action.startsWith("panic@")) {
        panicAt = Long.parseLong(action.substring("panic@".length()));
      } else if (action.equals("on")) {
        // a behaviour point: see on()
      } else if (action.startsWith("sleep(") && action.endsWith(")")) {
        sleepMs = Long.parseLong(action.substring(6, action.length() - 1));
      } else {
        throw new IllegalArgumentException("bad failpoint action: " + action);
      }
      out.put(kv[0].trim(), new Action(action, panicAt, sleepMs, new AtomicLong()));
    }
    return Map.copyOf(out);
  }
}
