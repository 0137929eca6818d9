package io.etcdj.raft;

import io.etcdj.api.internal.ConfState;
import io.etcdj.api.internal.HardState;
import io.etcdj.api.internal.LogEntry;
import io.etcdj.api.internal.Snapshot;
import java.util.List;

/**
 * The stable log as the core reads it (etcd's {@code Storage}). Read-only for the core: the
 * application writes (after persisting a {@link Ready}) and the core only reads. Called on the
 * raft loop only.
 *
 * <p>Index layout: entries {@code [firstIndex(), lastIndex()]} are readable; the entry at {@code
 * firstIndex() - 1} is compacted but its term is still returned by {@link #term(long)} (it is the
 * last entry of the snapshot, needed for the log-matching check).
 */
public interface RaftStorage {

  /** The persisted hard state and membership to start from. */
  InitialState initialState();

  /**
   * Entries {@code [lo, hi)}, limited to about {@code maxBytes} of serialized size but always at
   * least one entry when the range is non-empty.
   *
   * @throws CompactedException if {@code lo <= firstIndex() - 1}
   * @throws UnavailableException if {@code hi > lastIndex() + 1}
   */
  List<LogEntry> entries(long lo, long hi, long maxBytes);

  /**
   * The term of entry {@code i}, for {@code i} in {@code [firstIndex() - 1, lastIndex()]}.
   *
   * @throws CompactedException if {@code i < firstIndex() - 1}
   * @throws UnavailableException if {@code i > lastIndex()}
   */
  long term(long i);

  long firstIndex();

  long lastIndex();

  /**
   * The most recent snapshot. May throw {@link SnapshotTemporarilyUnavailableException} when one
   * is being produced; the leader then retries later.
   */
  Snapshot snapshot();

  /** What a node restarts from. */
  record InitialState(HardState hardState, ConfState confState) {
    public InitialState {
      if (hardState == null || confState == null) {
        throw new IllegalArgumentException("initial state parts must not be null");
      }
    }
  }
}
