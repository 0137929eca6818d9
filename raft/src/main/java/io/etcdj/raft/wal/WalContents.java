package io.etcdj.raft.wal;

import io.etcdj.api.internal.HardState;
import io.etcdj.api.internal.LogEntry;
import io.etcdj.api.internal.SnapshotMetadata;
import java.util.List;
import java.util.Objects;

/**
 * What a restarting node needs from its WAL.
 *
 * @param snapshot the latest snapshot marker, or {@code null} if none was ever saved
 * @param hardState the latest hard state; the default (all zero) instance if none was ever saved
 * @param entries the live log after the snapshot index, consecutive and in index order
 */
public record WalContents(SnapshotMetadata snapshot, HardState hardState, List<LogEntry> entries) {
  public WalContents {
    Objects.requireNonNull(hardState, "hardState");
    entries = List.copyOf(entries);
  }
}
