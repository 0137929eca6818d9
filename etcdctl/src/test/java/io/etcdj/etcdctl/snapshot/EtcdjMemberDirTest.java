package io.etcdj.etcdctl.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcdj.api.etcdserverpb.AlarmMember;
import io.etcdj.api.etcdserverpb.AlarmType;
import io.etcdj.api.etcdserverpb.Member;
import io.etcdj.api.internal.ConfChange;
import io.etcdj.api.internal.EntryType;
import io.etcdj.api.internal.LogEntry;
import io.etcdj.api.internal.MembershipState;
import io.etcdj.raft.wal.Wal;
import io.etcdj.raft.wal.WalContents;
import io.etcdj.raft.wal.WalOptions;
import io.etcdj.storage.bbolt.BoltWriter;
import io.etcdj.storage.mvcc.KV;
import io.etcdj.storage.mvcc.KvStores;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restore of a real etcd 3.4.23 snapshot (the bbolt fixture) into an etcdj member directory: the
 * ids stock etcdctl derives for the same flags, the store at the snapshot's revision with the
 * consistent index etcd's restore sets, the WAL and member list etcdj starts from. The process
 * tests start etcdj on such directories.
 */
class EtcdjMemberDirTest {
  private static final String FIXTURE = "/bbolt/etcd-3.4.23-snapshot.db";

  @TempDir Path tmp;

  private RestoreChecks.Config config(Path snap, Path dataDir, String walDirFlag, boolean skipHashCheck) {
    return new RestoreChecks.Config(
        snap.toString(), "default", dataDir.toString(), walDirFlag.isEmpty() ? dataDir + "/member/wal" : walDirFlag, walDirFlag,
        List.of("http://localhost:2380"), "default=http://localhost:2380", "etcd-cluster", skipHashCheck);
  }

  private Path fixture() throws Exception {
    Path snap = tmp.resolve("snap.db");
    try (InputStream in = EtcdjMemberDirTest.class.getResourceAsStream(FIXTURE)) {
      Files.write(snap, in.readAllBytes());
    }
    return snap;
  }

  private static PrintStream sink(ByteArrayOutputStream out) {
    return new PrintStream(out, true, StandardCharsets.UTF_8);
  }

  @Test
  void restoresEtcdSnapshotAsEtcdjMember() throws Exception {
    Path dataDir = tmp.resolve("restored");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    RestoreChecks.restore(config(fixture(), dataDir, "", false), sink(err));
    String log = err.toString(StandardCharsets.UTF_8);
    // The ids stock etcdctl prints for the default flags: member 8e9e05c52164694d of cluster cdf818194e3a8c32.
    assertTrue(
        log.contains(
            "\"cluster-id\":\"cdf818194e3a8c32\",\"local-member-id\":\"0\",\"added-peer-id\":\"8e9e05c52164694d\",\"added-peer-peer-urls\":[\"http://localhost:2380\"]"),
        log);
    assertTrue(log.contains("\"msg\":\"restored snapshot\""), log);
    String cluster = Files.readString(dataDir.resolve("member/cluster"));
    assertTrue(cluster.contains("member-id=8e9e05c52164694d") && cluster.contains("cluster-id=cdf818194e3a8c32"), cluster);
    try (KV kv = KvStores.openLmdb(dataDir.resolve("member/snap/db"), 1L << 30)) {
      assertEquals(3018, kv.rev()); // stock's snapshot status of the fixture says revision 3018
      assertEquals(1, kv.consistentIndex());
    }
    MembershipState members = MembershipState.parseFrom(Files.readAllBytes(dataDir.resolve("member/members")));
    assertEquals(1, members.getMembersCount());
    assertEquals(0x8e9e05c52164694dL, members.getMembers(0).getID());
    try (Wal wal = Wal.open(dataDir.resolve("member/wal"), WalOptions.defaults())) {
      WalContents c = wal.contents();
      assertEquals(1, c.hardState().getTerm());
      assertEquals(1, c.hardState().getCommit());
      assertEquals(0x8e9e05c52164694dL, c.hardState().getVote());
      LogEntry e = c.entries().get(0);
      assertEquals(EntryType.ENTRY_CONF_CHANGE, e.getType());
      ConfChange cc = ConfChange.parseFrom(e.getData());
      assertEquals(0x8e9e05c52164694dL, cc.getNodeId());
      assertEquals(List.of("http://localhost:2380"), Member.parseFrom(cc.getContext()).getPeerURLsList());
    }
  }

  @Test
  void walDirIsRefusedBeforeAnythingIsWritten() throws Exception {
    Path dataDir = tmp.resolve("restored");
    RestoreChecks.Config cfg = config(fixture(), dataDir, tmp.resolve("wal").toString(), false);
    RestoreChecks.RestoreException e =
        assertThrows(RestoreChecks.RestoreException.class, () -> RestoreChecks.restore(cfg, sink(new ByteArrayOutputStream())));
    assertTrue(e.getMessage().startsWith("--wal-dir is not supported"), e.getMessage());
    assertFalse(Files.exists(dataDir));
  }

  @Test
  void aFileThatIsNotBboltLeavesNoDirectory() throws Exception {
    Path snap = tmp.resolve("junk.db");
    Files.write(snap, new byte[8192]);
    Path dataDir = tmp.resolve("restored");
    RestoreChecks.Config cfg = config(snap, dataDir, "", true);
    RestoreChecks.RestoreException e =
        assertThrows(RestoreChecks.RestoreException.class, () -> RestoreChecks.restore(cfg, sink(new ByteArrayOutputStream())));
    assertEquals("invalid database", e.getMessage());
    assertFalse(Files.exists(dataDir));
  }

  /** A snapshot holding an empty key bucket and {@code bucket} with these keys and values. */
  private Path snapshotWith(String bucket, byte[][]... entries) throws Exception {
    Path snap = tmp.resolve(bucket + ".db");
    List<byte[][]> sorted = new java.util.ArrayList<>(List.of(entries));
    sorted.sort((a, b) -> java.util.Arrays.compareUnsigned(a[0], b[0]));
    try (BoltWriter w = BoltWriter.create(snap, 4096)) {
      w.beginBucket(bucket.getBytes(StandardCharsets.UTF_8));
      for (byte[][] e : sorted) {
        w.put(e[0], e[1]);
      }
      w.endBucket();
      w.beginBucket("key".getBytes(StandardCharsets.UTF_8));
      w.endBucket();
      w.finish(2);
    }
    return snap;
  }

  /** A snapshot holding only an alarm bucket with these keys (etcd's: marshalled AlarmMember messages). */
  private Path snapshotWithAlarms(byte[]... keys) throws Exception {
    byte[][][] entries = new byte[keys.length][][];
    for (int i = 0; i < keys.length; i++) {
      entries[i] = new byte[][] {keys[i], new byte[0]};
    }
    return snapshotWith("alarm", entries);
  }

  @Test
  void aSnapshotWithAuthEnabledIsRefusedAndLeavesNoDirectory() throws Exception {
    Path dataDir = tmp.resolve("restored");
    byte[][] enabled = {"authEnabled".getBytes(StandardCharsets.UTF_8), new byte[] {1}};
    RestoreChecks.Config cfg = config(snapshotWith("auth", enabled), dataDir, "", true);
    RestoreChecks.RestoreException e =
        assertThrows(RestoreChecks.RestoreException.class, () -> RestoreChecks.restore(cfg, sink(new ByteArrayOutputStream())));
    assertTrue(e.getMessage().startsWith("the snapshot has authentication enabled"), e.getMessage());
    assertFalse(Files.exists(dataDir));
    // Auth enabled once and disabled again: the users and roles are not carried over, the restore goes on.
    byte[][] disabled = {"authEnabled".getBytes(StandardCharsets.UTF_8), new byte[] {0}};
    RestoreChecks.restore(config(snapshotWith("auth", disabled), dataDir, "", true), sink(new ByteArrayOutputStream()));
    assertTrue(Files.exists(dataDir.resolve("member/snap/db")));
  }

  @Test
  void alarmsCarryOverInEtcdjsKeyLayout() throws Exception {
    AlarmMember nospace = AlarmMember.newBuilder().setMemberID(0x1234).setAlarm(AlarmType.NOSPACE).build();
    AlarmMember corrupt = AlarmMember.newBuilder().setMemberID(-2L).setAlarm(AlarmType.CORRUPT).build();
    Path dataDir = tmp.resolve("restored");
    RestoreChecks.restore(config(snapshotWithAlarms(nospace.toByteArray(), corrupt.toByteArray()), dataDir, "", true), sink(new ByteArrayOutputStream()));
    List<String> got = new java.util.ArrayList<>();
    try (KV kv = KvStores.openLmdb(dataDir.resolve("member/snap/db"), 1L << 30)) {
      kv.forEachAlarm(k -> got.add(java.util.HexFormat.of().formatHex(k)));
    }
    // Member id then alarm type, big-endian, in key order (the server's AlarmStore.key).
    assertEquals(List.of("000000000000123400000001", "fffffffffffffffe00000002"), got);
  }

  @Test
  void anAlarmKeyThatIsNotAnAlarmFailsTheRestore() throws Exception {
    Path dataDir = tmp.resolve("restored");
    RestoreChecks.Config cfg = config(snapshotWithAlarms(new byte[] {(byte) 0xff}), dataDir, "", true);
    RestoreChecks.RestoreException e =
        assertThrows(RestoreChecks.RestoreException.class, () -> RestoreChecks.restore(cfg, sink(new ByteArrayOutputStream())));
    assertTrue(e.getMessage().startsWith("alarm bucket key is not an alarm"), e.getMessage());
    assertFalse(Files.exists(dataDir));
  }
}
