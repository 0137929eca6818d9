package io.etcdj.server;

import com.google.protobuf.ByteString;
import io.etcdj.api.internal.ConfState;
import io.etcdj.api.internal.EntryType;
import io.etcdj.api.internal.HardState;
import io.etcdj.api.internal.LogEntry;
import io.etcdj.api.internal.SnapshotMetadata;
import io.etcdj.raft.wal.Wal;
import io.etcdj.storage.mvcc.KV;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replicated log of a one-member cluster: an entry is committed as soon as it is durable in
 * the WAL. One thread (the "raft loop") owns the WAL: it drains every queued proposal, appends
 * them as consecutive entries, makes them durable with one fsync (group commit: proposals that
 * arrive during an fsync share the next one), and hands the committed run to the apply loop.
 *
 * <p>On start it becomes leader of a new term, as etcd does, appending an empty entry of that
 * term. Threading: {@link #propose} from any thread; everything else on the loop thread.
 */
final class SingleMemberLog implements Consensus, Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(SingleMemberLog.class);
  private static final int BATCH_ENTRIES_MAX = 4_096;

  private final Wal wal;
  private final KV kv;
  private final ApplyLoop applyLoop;
  private final long snapshotCount;
  private long snapshotIndex;
  private final long memberId;
  private final ArrayBlockingQueue<byte[]> proposals;
  private final Thread thread;
  private volatile boolean running;
  private volatile long term;
  private volatile long committedIndex;
  private long lastIndex;

  SingleMemberLog(
      Wal wal, KV kv, ApplyLoop applyLoop, long memberId, int queueMax, long snapshotCount) {
    this.wal = wal;
    this.kv = kv;
    this.applyLoop = applyLoop;
    this.snapshotCount = snapshotCount;
    this.memberId = memberId;
    this.proposals = new ArrayBlockingQueue<>(queueMax);
    this.thread = new Thread(this, "etcdj-raft-loop");
  }

  /**
   * Recovers the log on start-up (before any thread runs): returns the entries the store may not
   * have applied yet, having appended this start's leader entry at a new term.
   */
  List<LogEntry> recover(
      SnapshotMetadata snapshot,
      HardState hardState,
      List<LogEntry> entries,
      byte[] bootstrapConfChange,
      List<byte[]> startupProposals,
      byte[] firstStartProposal) {
    snapshotIndex = snapshot == null ? 0 : snapshot.getIndex();
    if (kv.consistentIndex() < snapshotIndex) {
      // The WAL dropped entries the backend claims not to have: the backend lost synced data.
      throw new IllegalStateException(
          "backend consistent index "
              + kv.consistentIndex()
              + " is behind the WAL snapshot at "
              + snapshotIndex
              + "; the data dir is damaged");
    }
    List<LogEntry> toApply = new ArrayList<>(entries);
    lastIndex = entries.isEmpty() ? snapshotIndex : entries.get(entries.size() - 1).getIndex();
    lastIndex = Math.max(lastIndex, wal.lastIndex());
    long prevTerm = hardState == null ? 0 : hardState.getTerm();
    boolean fresh = lastIndex == 0 && prevTerm == 0;
    if (fresh) {
      // A new member: the first entry adds this member to the cluster, at term 1.
      LogEntry conf =
          LogEntry.newBuilder()
              .setType(EntryType.ENTRY_CONF_CHANGE)
              .setTerm(1)
              .setIndex(1)
              .setData(ByteString.copyFrom(bootstrapConfChange))
              .build();
      wal.append(HardState.newBuilder().setTerm(1).setCommit(1).build(), List.of(conf));
      toApply.add(conf);
      lastIndex = 1;
      prevTerm = 1;
    }
    term = prevTerm + 1;
    // As etcd: the new leader's empty entry, then this member publishes its attributes, and a
    // new cluster records its version.
    List<LogEntry> startup = new ArrayList<>();
    startup.add(normal(ByteString.EMPTY));
    for (byte[] data : startupProposals) {
      startup.add(normal(ByteString.copyFrom(data)));
    }
    if (fresh) {
      startup.add(normal(ByteString.copyFrom(firstStartProposal)));
    }
    wal.append(hardState(), startup);
    wal.sync();
    toApply.addAll(startup);
    committedIndex = lastIndex;
    return toApply;
  }

  private LogEntry normal(ByteString data) {
    return LogEntry.newBuilder()
        .setType(EntryType.ENTRY_NORMAL)
        .setTerm(term)
        .setIndex(++lastIndex)
        .setData(data)
        .build();
  }

  private HardState hardState() {
    return HardState.newBuilder().setTerm(term).setVote(memberId).setCommit(lastIndex).build();
  }

  @Override
  public boolean propose(byte[] data) {
    return running && proposals.offer(data);
  }

  @Override
  public long term() {
    return term;
  }

  @Override
  public long leaderId() {
    return memberId;
  }

  @Override
  public long committedIndex() {
    return committedIndex;
  }

  @Override
  public void start() {
    running = true;
    thread.start();
  }

  @Override
  public void stop() {
    running = false;
    thread.interrupt();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Every {@code snapshotCount} applied entries, makes the backend durable and lets the WAL drop
   * the entries it covers, so the log does not grow without bound (etcd's snapshot trigger).
   */
  private void maybeReleaseWal() {
    ApplyLoop.Applied applied = applyLoop.applied();
    if (applied.index() - snapshotIndex < snapshotCount) {
      return;
    }
    kv.sync(); // covers at least `applied`, which was read before the sync began
    wal.saveSnapshot(
        SnapshotMetadata.newBuilder()
            .setIndex(applied.index())
            .setTerm(applied.term())
            .setConfState(ConfState.newBuilder().addVoters(memberId))
            .build());
    wal.releaseTo(applied.index());
    snapshotIndex = applied.index();
    LOG.info("backend synced and WAL released up to index {}", snapshotIndex);
  }

  @Override
  public void run() {
    List<byte[]> batch = new ArrayList<>(BATCH_ENTRIES_MAX);
    try {
      while (running) {
        byte[] first = proposals.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        proposals.drainTo(batch, BATCH_ENTRIES_MAX - 1);
        List<LogEntry> entries = new ArrayList<>(batch.size());
        for (byte[] data : batch) {
          entries.add(normal(ByteString.copyFrom(data)));
        }
        batch.clear();
        FailPoints.hit(FailPoints.RAFT_BEFORE_SAVE);
        wal.append(hardState(), entries);
        wal.sync();
        FailPoints.hit(FailPoints.RAFT_AFTER_SAVE);
        committedIndex = lastIndex;
        applyLoop.submit(entries);
        maybeReleaseWal();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException | Error e) {
      // A WAL failure leaves the log's durability unknown: stop the member loudly.
      Fatal.stop(LOG, "raft loop failed", e);
    }
  }
}
