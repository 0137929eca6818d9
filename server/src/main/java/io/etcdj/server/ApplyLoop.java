package io.etcdj.server;

import com.google.protobuf.InvalidProtocolBufferException;
import io.etcdj.api.etcdserverpb.CompactionResponse;
import io.etcdj.api.etcdserverpb.ResponseHeader;
import io.etcdj.api.etcdserverpb.Member;
import io.etcdj.api.internal.ConfChange;
import io.etcdj.api.internal.ConfState;
import io.etcdj.api.internal.Message;
import io.etcdj.api.internal.Snapshot;
import io.etcdj.api.internal.SnapshotMetadata;
import io.etcdj.api.internal.ConfChangeType;
import io.etcdj.api.internal.EntryType;
import io.etcdj.api.internal.InternalRaftRequest;
import io.etcdj.api.internal.LogEntry;
import io.etcdj.api.internal.MembershipState;
import io.etcdj.server.alarm.AlarmGate;
import io.etcdj.server.alarm.AlarmStore;
import io.etcdj.server.alarm.QuotaApplier;
import io.etcdj.server.apply.KvApplier;
import io.etcdj.server.apply.LeaseApplier;
import io.etcdj.server.errors.ErrorMapping;
import io.etcdj.server.membership.Membership;
import io.etcdj.server.transport.SnapshotSource;
import io.etcdj.api.mvccpb.KeyValue;
import io.etcdj.storage.failpoint.FailPoints;
import io.etcdj.storage.mvcc.KV;
import io.etcdj.watch.CommitListener;
import io.etcdj.storage.mvcc.StoreSnapshot;
import io.etcdj.storage.mvcc.TxnWrite;
import io.etcdj.storage.mvcc.WriteBatch;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import io.etcdj.server.logging.EtcdEvents;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The apply thread: the only writer of the store. It takes runs of committed log entries, applies
 * every entry above the store's consistent index inside one {@link WriteBatch} (one backend
 * commit for many entries, with the new consistent index in the same transaction), and only
 * after the commit answers the proposers, so an acknowledged write is visible to every later
 * read. Between batches it advances a scheduled compaction in bounded steps.
 *
 * <p>Snapshots go through the same queue, so they keep their place in log order: a leader's
 * snapshot that raft accepted replaces the store and the member list; a follower that needs one
 * gets the store as it is between two batches (its consistent index is the applied index the
 * snapshot's metadata names), streamed by the transport from a read snapshot while applying goes
 * on.
 *
 * <p>Client-caused failures (typed exceptions) become the proposal's answer and change nothing;
 * anything else stops the member.
 */
final class ApplyLoop implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(ApplyLoop.class);
  static final int COMPACTION_STEP_REVISIONS = 1_000;

  private final KV kv;
  private final Membership membership;
  private final KvApplier applier;
  private final LeaseApplier leases;
  private final AlarmStore alarms;
  private final QuotaApplier quota;
  /** Told the term of each empty entry a leader appends when elected (to promote the lessor). */
  private final java.util.function.LongConsumer leaderEntryApplied;
  private final Wait wait;
  private final CommitListener watchers;
  /** The changes of the batch being applied, for the watchers once it has committed. */
  private final ArrayList<KeyValue> batchChanges = new ArrayList<>();
  /** Runs of committed entries, snapshots to install and snapshots to send, in log order. */
  private final ArrayBlockingQueue<Object> queue;
  private final int batchEntriesMax;
  private final Thread thread;
  private volatile boolean running;
  /** Index and term of the last applied entry, published together. */
  record Applied(long index, long term) {}

  private volatile Applied applied;
  private boolean compactionPending;
  private long selfId;
  private volatile long clusterId;
  private Runnable onSelfRemoved = () -> {};
  private boolean selfRemoved;

  /** A snapshot from the leader, accepted by raft and persisted in the WAL: replaces the store. */
  private record SnapshotInstall(SnapshotMetadata metadata, Path file) {}

  /** A follower raft wants a snapshot for: one is made here, between batches. */
  private record SnapshotRequest(Message msgSnap, SnapshotOut out) {}

  /** Where a leader's snapshot goes (the raft loop's transport and raft node). */
  interface SnapshotOut {
    /** Streams the snapshot; {@code done} runs once the transfer has ended either way. */
    void send(Message msgSnap, SnapshotSource data, Runnable done);

    /** No snapshot can be made now: raft must treat the transfer as failed and retry later. */
    void refuse(long to);
  }

  /** A reader waiting until the applied index reaches {@code index}. */
  private record AppliedWaiter(long index, CompletableFuture<Void> future) {}

  private final java.util.concurrent.PriorityBlockingQueue<AppliedWaiter> appliedWaiters =
      new java.util.concurrent.PriorityBlockingQueue<>(
          64, java.util.Comparator.comparingLong(AppliedWaiter::index));

  ApplyLoop(
      KV kv,
      Membership membership,
      KvApplier applier,
      LeaseApplier leases,
      AlarmStore alarms,
      QuotaApplier quota,
      java.util.function.LongConsumer leaderEntryApplied,
      Wait wait,
      CommitListener watchers,
      int queueRunsMax,
      int batchEntriesMax) {
    this.kv = kv;
    this.membership = membership;
    this.applier = applier;
    this.leases = leases;
    this.alarms = alarms;
    this.quota = quota;
    this.leaderEntryApplied = leaderEntryApplied;
    this.wait = wait;
    this.watchers = watchers;
    this.queue = new ArrayBlockingQueue<>(queueRunsMax);
    this.batchEntriesMax = batchEntriesMax;
    this.applied = new Applied(kv.consistentIndex(), 0);
    this.thread = new Thread(this, "etcdj-apply");
  }

  long appliedIndex() {
    return applied.index();
  }

  Applied applied() {
    return applied;
  }

  /** What to do once a committed change has removed this member from the cluster. */
  void onSelfRemoved(long selfId, Runnable action) {
    this.selfId = selfId;
    this.onSelfRemoved = action;
  }

  /** The cluster this member belongs to, for the membership lines etcd logs. */
  void clusterId(long clusterId) {
    this.clusterId = clusterId;
  }

  /** Completes once every entry up to {@code index} is applied (for linearizable reads). */
  CompletableFuture<Void> waitApplied(long index) {
    if (applied.index() >= index) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> f = new CompletableFuture<>();
    appliedWaiters.add(new AppliedWaiter(index, f));
    if (applied.index() >= index) {
      f.complete(null); // the apply thread may have passed index between the check and the add
    }
    return f;
  }

  private void releaseAppliedWaiters(long appliedIndex) {
    AppliedWaiter w;
    while ((w = appliedWaiters.peek()) != null && w.index() <= appliedIndex) {
      appliedWaiters.remove(w);
      w.future().complete(null);
    }
  }

  /** Hands a run of committed entries over; blocks the raft loop when the apply queue is full. */
  void submit(List<LogEntry> entries) throws InterruptedException {
    queue.put(entries);
  }

  /**
   * Hands over a leader's snapshot that raft has accepted (after the WAL recorded it): it replaces
   * the store once everything queued before it is applied. Blocks like {@link #submit}.
   */
  void submitSnapshot(SnapshotMetadata metadata, Path file) throws InterruptedException {
    queue.put(new SnapshotInstall(metadata, file));
  }

  /**
   * Asks for a snapshot of the store for the follower {@code msgSnap} is addressed to (etcd sends
   * the state at its applied index rather than raft's older snapshot). Never blocks: false when
   * the queue is full.
   */
  boolean requestSnapshot(Message msgSnap, SnapshotOut out) {
    return queue.offer(new SnapshotRequest(msgSnap, out));
  }

  void start() {
    running = true;
    thread.start();
  }

  void stop() {
    running = false;
    Fatal.interruptAndJoin(thread);
  }

  @Override
  public void run() {
    List<LogEntry> run = new ArrayList<>();
    try {
      while (running) {
        Object first = compactionPending ? queue.poll() : queue.poll(100, TimeUnit.MILLISECONDS);
        if (first instanceof List<?> entries) {
          addEntries(run, entries);
          // This thread is the only consumer: what it peeks is what it polls.
          while (run.size() < batchEntriesMax && queue.peek() instanceof List<?> more) {
            queue.poll();
            addEntries(run, more);
          }
          applyEntries(run);
          run.clear();
        } else if (first instanceof SnapshotInstall install) {
          installSnapshot(install.metadata(), install.file());
        } else if (first instanceof SnapshotRequest request) {
          sendSnapshot(request);
        } else if (first != null) {
          throw new IllegalStateException("unknown apply task " + first);
        }
        if (compactionPending) {
          compactionPending = kv.compactionStep(COMPACTION_STEP_REVISIONS);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException | Error e) {
      Fatal.loopEnded(LOG, "apply failed", e, running);
    }
  }

  @SuppressWarnings("unchecked")
  private static void addEntries(List<LogEntry> run, List<?> entries) {
    run.addAll((List<LogEntry>) entries);
  }

  /**
   * Replaces the store and the member list with a leader's snapshot (etcd's {@code
   * applySnapshot}). The member list is saved first, then the store is loaded and synced, and only
   * then is the kept file deleted: a crash anywhere in between leaves the file, and the restart
   * installs it again. Also used single-threaded at start-up for that. A file that cannot be read
   * stops the member: raft has already moved past the entries it replaces.
   */
  void installSnapshot(SnapshotMetadata metadata, Path file) {
    FailPoints.hit(FailPoints.APPLY_BEFORE_OPEN_SNAPSHOT);
    long startNanos = System.nanoTime();
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      MembershipState state = SnapshotData.readMembership(in);
      membership.replaceAll(state.getMembersList(), state.getRemovedIdsList());
      membership.saveIfChanged();
      kv.restore(in);
      leases.recover(kv);
      alarms.load(kv);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot install the snapshot in " + file, e);
    }
    if (kv.consistentIndex() != metadata.getIndex()) {
      throw new IllegalStateException(
          "snapshot at index " + metadata.getIndex() + " holds a store at consistent index "
              + kv.consistentIndex());
    }
    FailPoints.hit(FailPoints.APPLY_AFTER_RESTORE_SNAPSHOT);
    kv.sync();
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.warn("cannot delete the installed snapshot {}: {}", file, e.toString());
    }
    compactionPending = true; // the snapshot may carry a compaction to finish
    applied = new Applied(metadata.getIndex(), metadata.getTerm());
    watchers.restored();
    releaseAppliedWaiters(metadata.getIndex());
    LOG.info(
        "installed snapshot at index {} (term {}): revision {}, {} keys, members {} in {} ms",
        metadata.getIndex(), metadata.getTerm(), kv.rev(), kv.keyCount(),
        membership.list().stream().map(m -> Long.toHexString(m.getID())).toList(),
        (System.nanoTime() - startNanos) / 1_000_000);
  }

  /**
   * Makes a snapshot at the applied index, between batches so the store, the member list and the
   * applied index agree, and hands it to the transport, which streams it from a read snapshot of
   * the store while applying goes on.
   */
  private void sendSnapshot(SnapshotRequest request) {
    FailPoints.hit(FailPoints.APPLY_BEFORE_SEND_SNAPSHOT);
    long to = request.msgSnap().getTo();
    Applied at = applied;
    if (at.term() == 0) {
      // Nothing applied since this member started, so the term of the applied entry is unknown
      // here; a new leader applies its first entry at once, and raft retries the snapshot.
      request.out().refuse(to);
      return;
    }
    StoreSnapshot store;
    try {
      store = kv.snapshot();
    } catch (RuntimeException e) {
      // E.g. every LMDB reader slot is taken by client reads: try again later, never stop.
      LOG.warn("cannot open a store snapshot for {}: {}", Long.toHexString(to), e.toString());
      request.out().refuse(to);
      return;
    }
    if (store.consistentIndex() != at.index()) {
      store.close();
      throw new IllegalStateException(
          "store at consistent index " + store.consistentIndex() + " but applied " + at.index());
    }
    List<Member> members = membership.list();
    ConfState.Builder cs = ConfState.newBuilder();
    for (Member m : members) {
      if (m.getIsLearner()) {
        cs.addLearners(m.getID());
      } else {
        cs.addVoters(m.getID());
      }
    }
    Message msg =
        request.msgSnap().toBuilder()
            .setSnapshot(
                Snapshot.newBuilder()
                    .setMetadata(
                        SnapshotMetadata.newBuilder()
                            .setIndex(at.index())
                            .setTerm(at.term())
                            .setConfState(cs)))
            .build();
    LOG.info("sending snapshot at index {} (revision {}) to {}", at.index(), kv.rev(),
        Long.toHexString(to));
    try {
      request.out().send(msg, SnapshotData.source(membership.state(), store), store::close);
    } catch (RuntimeException e) {
      store.close(); // the transport never took it: release the read snapshot here
      LOG.warn("cannot send a snapshot to {}: {}", Long.toHexString(to), e.toString());
      request.out().refuse(to);
    }
  }

  /**
   * Applies entries in one backend transaction and answers their proposers after the commit.
   * Also used single-threaded at start-up to replay the WAL.
   */
  void applyEntries(List<LogEntry> entries) {
    long consistent = kv.consistentIndex();
    long[] ids = new long[entries.size()];
    Object[] results = new Object[entries.size()];
    int answered = 0;
    long last = consistent;
    long lastTerm = 0;
    batchChanges.clear();
    try (WriteBatch batch = kv.beginBatch()) {
      for (LogEntry e : entries) {
        if (e.getIndex() <= consistent) {
          continue; // already in the store: replay after a crash is idempotent
        }
        if (e.getIndex() != last + 1) {
          throw new IllegalStateException(
              "apply gap: entry " + e.getIndex() + " after applied index " + last);
        }
        last = e.getIndex();
        lastTerm = e.getTerm();
        if (e.getType() == EntryType.ENTRY_CONF_CHANGE) {
          ConfChange cc = confChange(e);
          applyConfChange(cc);
          if (cc.getId() != 0) {
            ids[answered] = cc.getId();
            results[answered] = membership.list();
            answered++;
          }
          continue;
        }
        if (e.getData().isEmpty()) {
          // A new leader's empty entry: everything of earlier terms is applied (etcd promotes
          // the lessor here, so no lease expires on state older than the last leader's).
          leaderEntryApplied.accept(e.getTerm());
          continue;
        }
        InternalRaftRequest req = parse(e);
        ids[answered] = req.getHeader().getId();
        results[answered] = applyOne(batch, req);
        answered++;
      }
      if (last == consistent) {
        return;
      }
      batch.setConsistentIndex(last);
      // Before the commit: after a crash the saved list is never behind the consistent index.
      membership.saveIfChanged();
      FailPoints.hit(FailPoints.APPLY_BEFORE_COMMIT);
      batch.commit();
    }
    FailPoints.hit(FailPoints.APPLY_AFTER_COMMIT);
    applied = new Applied(last, lastTerm);
    // Before the answers, as etcd notifies inside the write txn: a client that has its write
    // acknowledged finds the events already on their way (put-to-event latency), and a watch it
    // then creates from "now" starts after them. Publishing only enqueues; it never blocks.
    if (!batchChanges.isEmpty()) {
      watchers.committed(batchChanges);
      batchChanges.clear();
    }
    for (int i = 0; i < answered; i++) {
      if (results[i] instanceof QuotaApplier.AfterRaise later) {
        long id = ids[i];
        later.raised().whenComplete((r, e) -> wait.trigger(id, later.answer()));
      } else {
        wait.trigger(ids[i], results[i]);
      }
    }
    if (running) {
      quota.raiseIfPending(); // a write replayed at start-up crossed the quota
    }
    releaseAppliedWaiters(last);
    if (selfRemoved) {
      selfRemoved = false;
      LOG.warn("this member has been permanently removed from the cluster; stopping");
      onSelfRemoved.run();
    }
  }

  /** The test point {@link FailPoints#APPLY_CORRUPT_PUT}: the value this member stores instead. */
  private static io.etcdj.api.etcdserverpb.PutRequest corrupted(
      io.etcdj.api.etcdserverpb.PutRequest put) {
    return put.toBuilder()
        .setValue(put.getValue().concat(com.google.protobuf.ByteString.copyFromUtf8("~corrupt")))
        .build();
  }

  /**
   * Applies one request, after the alarm and quota checks etcd's appliers make: an active alarm
   * refuses the entry (nothing changes); a write over this member's quota is applied but answered
   * "database space exceeded" (see {@link QuotaApplier}).
   */
  private Object applyOne(WriteBatch batch, InternalRaftRequest req) {
    io.etcdj.server.errors.EtcdError refused = AlarmGate.refusal(alarms, req);
    if (refused != null) {
      return refused.exception();
    }
    boolean fits = quota.fits(req);
    Object result = applyRequest(batch, req);
    return fits || result instanceof Throwable ? result : quota.exceeded(running);
  }

  private Object applyRequest(WriteBatch batch, InternalRaftRequest req) {
    TxnWrite txn = null;
    try {
      switch (req.getRequestCase()) {
        case PUT -> {
          txn = batch.write();
          if (FailPoints.on(FailPoints.APPLY_CORRUPT_PUT)) {
            return applier.put(txn, corrupted(req.getPut()));
          }
          return applier.put(txn, req.getPut());
        }
        case DELETE_RANGE -> {
          txn = batch.write();
          return applier.deleteRange(txn, req.getDeleteRange());
        }
        case TXN -> {
          txn = batch.write();
          return applier.txn(txn, req.getTxn());
        }
        case RANGE -> {
          txn = batch.write();
          return applier.range(txn, req.getRange());
        }
        case LEASE_GRANT -> {
          txn = batch.write();
          return leases.grant(batch, txn, req.getLeaseGrant());
        }
        case LEASE_REVOKE -> {
          txn = batch.write();
          return leases.revoke(batch, txn, req.getLeaseRevoke());
        }
        case LEASE_CHECKPOINT -> {
          txn = batch.write();
          return leases.checkpoint(batch, txn, req.getLeaseCheckpoint());
        }
        case COMPACTION -> {
          CompletableFuture<Void> physical = batch.compact(req.getCompaction().getRevision());
          compactionPending = true;
          txn = batch.write();
          CompactionResponse resp =
              CompactionResponse.newBuilder()
                  .setHeader(ResponseHeader.newBuilder().setRevision(txn.rev()))
                  .build();
          return new CompactionResult(resp, physical);
        }
        case ALARM -> {
          return alarms.apply(batch, req.getAlarm());
        }
        case MEMBER_ATTRIBUTES -> {
          membership.publish(
              req.getMemberAttributes().getMemberId(),
              req.getMemberAttributes().getName(),
              req.getMemberAttributes().getClientUrlsList());
          return null;
        }
        case CLUSTER_VERSION_SET -> {
          EtcdEvents.clusterVersionSet(clusterId, selfId); // one version so far
          return null;
        }
        default -> throw new IllegalStateException("unknown request in log: " + req.getRequestCase());
      }
    } catch (RuntimeException e) {
      if (ErrorMapping.etcdError(e) == null) {
        throw e; // not a client error: a bug or a storage failure
      }
      return e;
    } finally {
      if (txn != null) {
        List<KeyValue> changes = txn.changes();
        leases.keysChanged(changes);
        batchChanges.addAll(changes);
        txn.end();
      }
    }
  }

  /** Applies a committed membership change (the raft loop applies it to the raft config). */
  private void applyConfChange(ConfChange cc) {
    switch (cc.getType()) {
      case CONF_CHANGE_ADD_NODE, CONF_CHANGE_ADD_LEARNER_NODE -> {
        Member m = memberOf(cc);
        boolean learner = cc.getType() == ConfChangeType.CONF_CHANGE_ADD_LEARNER_NODE;
        if (membership.contains(cc.getNodeId()) && !learner) {
          membership.promote(cc.getNodeId()); // adding a known learner as a voter promotes it
        } else {
          membership.add(m.toBuilder().setID(cc.getNodeId()).setIsLearner(learner).build());
          EtcdEvents.memberAdded(clusterId, selfId, cc.getNodeId(), m.getPeerURLsList());
        }
      }
      case CONF_CHANGE_REMOVE_NODE -> {
        membership.remove(cc.getNodeId());
        EtcdEvents.memberRemoved(clusterId, selfId, cc.getNodeId());
        if (cc.getNodeId() == selfId) {
          selfRemoved = true;
        }
      }
      case CONF_CHANGE_UPDATE_NODE ->
          membership.updatePeerUrls(cc.getNodeId(), memberOf(cc).getPeerURLsList());
      default -> throw new IllegalStateException("unknown conf change " + cc);
    }
  }

  static Member memberOf(ConfChange cc) {
    try {
      return Member.parseFrom(cc.getContext());
    } catch (InvalidProtocolBufferException ex) {
      throw new IllegalStateException("undecodable member in conf change " + cc.getId(), ex);
    }
  }

  static ConfChange confChange(LogEntry e) {
    try {
      return ConfChange.parseFrom(e.getData());
    } catch (InvalidProtocolBufferException ex) {
      throw new IllegalStateException("undecodable conf change at index " + e.getIndex(), ex);
    }
  }

  /**
   * A committed request. No nesting limit here: the client port bounded it ({@link
   * io.etcdj.server.apply.RequestChecks#messageDepthMax}), and an entry this member could not parse
   * would stop it (protobuf-java's default of 100 is below a txn of 50 nested txns, which etcd takes).
   */
  private static InternalRaftRequest parse(LogEntry e) {
    try {
      com.google.protobuf.CodedInputStream in = e.getData().newCodedInput();
      in.setRecursionLimit(Integer.MAX_VALUE);
      return InternalRaftRequest.parseFrom(in);
    } catch (java.io.IOException ex) { // InvalidProtocolBufferException, as the input is in memory
      throw new IllegalStateException("undecodable log entry " + e.getIndex(), ex);
    }
  }
}
