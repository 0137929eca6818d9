package io.etcdj.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.etcdj.api.internal.ConfChange;
import io.etcdj.api.internal.ConfChangeType;
import io.etcdj.api.internal.ConfState;
import io.etcdj.api.internal.EntryType;
import io.etcdj.api.internal.LogEntry;
import io.etcdj.api.internal.Message;
import io.etcdj.api.internal.MessageType;
import io.etcdj.api.internal.Snapshot;
import io.etcdj.api.internal.SnapshotMetadata;
import org.junit.jupiter.api.Test;

/**
 * A snapshot that arrives while the committed entries of the previous Ready are still being
 * applied must not be installed: one of those entries may be a conf change, which the application
 * then applies (applyConfChange) on top of the snapshot's newer configuration. Found by the
 * seeded simulation (seed 117624 with -Detcdj.sim.chaosMs=6000): a learner removed at index 69
 * came back in the configuration of a follower that had restored a snapshot at 73 while applying
 * the entry that added it at 56.
 */
class SnapshotDuringApplyTest {
  private static final ConfState VOTERS_123 = ConfState.newBuilder().addVoters(1).addVoters(2).addVoters(3).build();

  @Test
  void snapshotWaitsForHandedOutCommittedEntries() {
    MemoryStorage s = MemoryStorage.bootstrap(VOTERS_123);
    RawNode n = new RawNode(RaftConfig.defaults(2, 7), s);
    ConfChange addLearner4 =
        ConfChange.newBuilder().setType(ConfChangeType.CONF_CHANGE_ADD_LEARNER_NODE).setNodeId(4).build();
    LogEntry e1 =
        LogEntry.newBuilder()
            .setType(EntryType.ENTRY_CONF_CHANGE)
            .setTerm(1)
            .setIndex(1)
            .setData(addLearner4.toByteString())
            .build();
    n.step(
        Message.newBuilder()
            .setType(MessageType.MSG_APP)
            .setFrom(1)
            .setTo(2)
            .setTerm(1)
            .addEntries(e1)
            .setCommit(1)
            .build());
    Ready rd = n.ready();
    assertEquals(1, rd.committedEntries().size());

    // While that Ready is being persisted and applied, the leader (which meanwhile removed 4
    // again and compacted) sends a snapshot at 5.
    Message snap =
        Message.newBuilder()
            .setType(MessageType.MSG_SNAP)
            .setFrom(1)
            .setTo(2)
            .setTerm(1)
            .setSnapshot(
                Snapshot.newBuilder()
                    .setMetadata(SnapshotMetadata.newBuilder().setIndex(5).setTerm(1).setConfState(VOTERS_123)))
            .build();
    n.step(snap);

    s.append(rd.entries());
    s.setHardState(rd.hardState());
    n.applyConfChange(addLearner4);
    n.advance();
    processReadys(n, s);
    // The leader retries the snapshot; now it is installed.
    n.step(snap);
    Ready withSnap = n.ready();
    assertNotNull(withSnap.snapshot(), "the snapshot must be installed once nothing is being applied");
    s.applySnapshot(withSnap.snapshot());
    s.setHardState(withSnap.hardState());
    n.advance();

    assertEquals(VOTERS_123, n.confState(), "the configuration must be the snapshot's");
    assertEquals(5, n.status().applied());
  }

  private static void processReadys(RawNode n, MemoryStorage s) {
    while (n.hasReady()) {
      Ready rd = n.ready();
      assertNull(rd.snapshot(), "snapshot installed while a conf change was being applied");
      s.append(rd.entries());
      if (rd.hardState() != null) {
        s.setHardState(rd.hardState());
      }
      n.advance();
    }
  }
}
