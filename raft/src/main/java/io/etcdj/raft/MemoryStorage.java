package io.etcdj.raft;

import io.etcdj.api.internal.ConfState;
import io.etcdj.api.internal.HardState;
import io.etcdj.api.internal.LogEntry;
import io.etcdj.api.internal.Snapshot;
import io.etcdj.api.internal.SnapshotMetadata;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link RaftStorage} held in memory (etcd's {@code MemoryStorage}): the application appends
 * persisted entries, records the hard state, installs snapshots and compacts. Confined to the
 * raft loop (no locks: unlike etcd's, nothing else may touch it concurrently).
 *
 * <p>Layout: {@code ents.get(0)} is a dummy entry carrying the index and term of the last
 * compacted entry (the snapshot's), so {@code ents.get(i)} has index {@code offset() + i}.
 */
public final class MemoryStorage implements RaftStorage {
  private HardState hardState = HardState.getDefaultInstance();
  private Snapshot snapshot;
  private final List<LogEntry> ents = new ArrayList<>();

  public MemoryStorage() {
    this(ConfState.getDefaultInstance());
  }

  private MemoryStorage(ConfState cs) {
    this.snapshot =
        Snapshot.newBuilder()
            .setMetadata(SnapshotMetadata.newBuilder().setConfState(cs).build())
            .build();
    ents.add(LogEntry.getDefaultInstance());
  }

  /**
   * A fresh storage for a new cluster whose initial membership is {@code cs} (as a snapshot at
   * index 0), the equivalent of etcd's test storages built with peers.
   */
  public static MemoryStorage bootstrap(ConfState cs) {
    return new MemoryStorage(cs);
  }

  /**
   * The hard state and the membership of the latest snapshot. Like etcd, conf changes committed
   * after that snapshot are not reflected: on restart the application must start from an applied
   * index at or before them (so they are applied again) or snapshot after applying them.
   */
  @Override
  public InitialState initialState() {
    return new InitialState(hardState, snapshot.getMetadata().getConfState());
  }

  /** Records the hard state after it has been persisted. */
  public void setHardState(HardState hs) {
    this.hardState = hs;
  }

  public HardState hardState() {
    return hardState;
  }

  @Override
  public List<LogEntry> entries(long lo, long hi, long maxBytes) {
    long offset = offset();
    if (lo <= offset) {
      throw new CompactedException(lo, offset + 1);
    }
    if (hi > lastIndex() + 1) {
      throw new IllegalStateException("entries' hi(" + hi + ") is out of bound lastIndex(" + lastIndex() + ")");
    }
    if (lo > hi) {
      throw new IllegalStateException("invalid range lo " + lo + " > hi " + hi);
    }
    List<LogEntry> out = new ArrayList<>(ents.subList((int) (lo - offset), (int) (hi - offset)));
    return new ArrayList<>(Entries.limitSize(out, maxBytes));
  }

  @Override
  public long term(long i) {
    long offset = offset();
    if (i < offset) {
      throw new CompactedException(i, offset + 1);
    }
    if (i - offset >= ents.size()) {
      throw new UnavailableException(i, lastIndex());
    }
    return ents.get((int) (i - offset)).getTerm();
  }

  @Override
  public long firstIndex() {
    return offset() + 1;
  }

  @Override
  public long lastIndex() {
    return offset() + ents.size() - 1;
  }

  private long offset() {
    return ents.get(0).getIndex();
  }

  @Override
  public Snapshot snapshot() {
    return snapshot;
  }

  /**
   * Replaces the storage's contents with {@code snap} (a snapshot received from the leader, after
   * the application persisted it).
   *
   * @throws SnapOutOfDateException if {@code snap} is older than the current snapshot
   */
  public void applySnapshot(Snapshot snap) {
    long current = snapshot.getMetadata().getIndex();
    long index = snap.getMetadata().getIndex();
    if (current >= index) {
      throw new SnapOutOfDateException(index, current);
    }
    snapshot = snap;
    ents.clear();
    ents.add(LogEntry.newBuilder().setIndex(index).setTerm(snap.getMetadata().getTerm()).build());
  }

  /**
   * Makes a snapshot of the state machine at applied index {@code i} with membership {@code cs};
   * the application then usually calls {@link #compact(long)}.
   *
   * @throws SnapOutOfDateException if {@code i} is not newer than the current snapshot
   */
  public Snapshot createSnapshot(long i, ConfState cs, com.google.protobuf.ByteString data) {
    long current = snapshot.getMetadata().getIndex();
    if (i <= current) {
      throw new SnapOutOfDateException(i, current);
    }
    if (i > lastIndex()) {
      throw new IllegalStateException("snapshot " + i + " is out of bound lastindex(" + lastIndex() + ")");
    }
    long offset = offset();
    SnapshotMetadata.Builder md =
        SnapshotMetadata.newBuilder().setIndex(i).setTerm(ents.get((int) (i - offset)).getTerm());
    if (cs != null) {
      md.setConfState(cs);
    }
    snapshot = Snapshot.newBuilder().setMetadata(md).setData(data).build();
    return snapshot;
  }

  /**
   * Discards entries up to and including {@code compactIndex}; the application must not compact
   * beyond its applied index.
   *
   * @throws CompactedException if already compacted to or past {@code compactIndex}
   */
  public void compact(long compactIndex) {
    long offset = offset();
    if (compactIndex <= offset) {
      throw new CompactedException(compactIndex, offset + 1);
    }
    if (compactIndex > lastIndex()) {
      throw new IllegalStateException("compact " + compactIndex + " is out of bound lastindex(" + lastIndex() + ")");
    }
    int i = (int) (compactIndex - offset);
    LogEntry newDummy =
        LogEntry.newBuilder().setIndex(ents.get(i).getIndex()).setTerm(ents.get(i).getTerm()).build();
    List<LogEntry> rest = new ArrayList<>(ents.subList(i + 1, ents.size()));
    ents.clear();
    ents.add(newDummy);
    ents.addAll(rest);
  }

  /**
   * Appends persisted entries; entries at or above the first new index are replaced (a leader
   * overwrote a conflicting suffix). Entries at or below the first index are ignored.
   */
  public void append(List<LogEntry> entries) {
    if (entries.isEmpty()) {
      return;
    }
    Entries.checkContiguous(entries);
    long first = firstIndex();
    long last = entries.get(entries.size() - 1).getIndex();
    if (last < first) {
      return;
    }
    List<LogEntry> toAdd = entries;
    if (first > entries.get(0).getIndex()) {
      toAdd = entries.subList((int) (first - entries.get(0).getIndex()), entries.size());
    }
    long offset = toAdd.get(0).getIndex() - offset();
    if (offset > ents.size()) {
      throw new IllegalStateException(
          "missing log entry [last: " + lastIndex() + ", append at: " + toAdd.get(0).getIndex() + "]");
    }
    ents.subList((int) offset, ents.size()).clear();
    ents.addAll(toAdd);
  }
}
