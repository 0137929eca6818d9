package io.etcdj.raft;

import io.etcdj.api.internal.HardState;
import io.etcdj.api.internal.LogEntry;
import io.etcdj.api.internal.Message;
import io.etcdj.api.internal.Snapshot;
import java.util.List;

/**
 * Work the application must do, in this order, then acknowledge with {@link RawNode#advance()}
 * (etcd's {@code Ready}):
 *
 * <ol>
 *   <li>{@link #messages}: may be sent right away, even before persisting (e.g. MsgApp from the
 *       leader, in parallel with its own disk write);
 *   <li>persist {@link #snapshot} (if any), then {@link #entries} (replacing any persisted
 *       entries at or above the first one), then {@link #hardState} (if any), with fsync;
 *   <li>only then send {@link #messagesAfterPersist}: vote and append acknowledgements that
 *       promise the state above is durable;
 *   <li>apply {@link #snapshot} to the state machine and then {@link #committedEntries} in order
 *       (call {@link RawNode#applyConfChange} for conf-change entries; until {@code advance()} the
 *       node refuses snapshots from the leader, so that these conf changes never land on top of
 *       a newer snapshot's configuration);
 *   <li>serve {@link #readStates} once applied up to their index.
 * </ol>
 *
 * @param softState leader and role, or null if unchanged since the previous Ready
 * @param hardState term, vote, commit to persist, or null if unchanged
 * @param entries new entries to persist
 * @param snapshot snapshot to persist and apply, or null
 * @param committedEntries entries to apply (may include entries of {@link #entries}, which are
 *     persisted first)
 * @param messages messages that may be sent before persisting
 * @param messagesAfterPersist messages to send only after persisting this Ready
 * @param readStates confirmed ReadIndex requests
 */
public record Ready(
    SoftState softState,
    HardState hardState,
    List<LogEntry> entries,
    Snapshot snapshot,
    List<LogEntry> committedEntries,
    List<Message> messages,
    List<Message> messagesAfterPersist,
    List<ReadState> readStates) {

  public Ready {
    entries = List.copyOf(entries);
    committedEntries = List.copyOf(committedEntries);
    messages = List.copyOf(messages);
    messagesAfterPersist = List.copyOf(messagesAfterPersist);
    readStates = List.copyOf(readStates);
  }

  /** Whether the write of this Ready must be synced before {@link #messagesAfterPersist} go out. */
  public boolean mustSync() {
    return hardState != null || !entries.isEmpty() || snapshot != null;
  }
}
