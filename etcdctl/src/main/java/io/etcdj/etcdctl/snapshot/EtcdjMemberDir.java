package io.etcdj.etcdctl.snapshot;

import com.google.protobuf.InvalidProtocolBufferException;
import io.etcdj.api.etcdserverpb.AlarmMember;
import io.etcdj.api.etcdserverpb.Member;
import io.etcdj.api.internal.ConfChange;
import io.etcdj.api.internal.ConfChangeType;
import io.etcdj.api.internal.EntryType;
import io.etcdj.api.internal.HardState;
import io.etcdj.api.internal.LogEntry;
import io.etcdj.api.internal.MembershipState;
import io.etcdj.etcdctl.bbolt.BoltException;
import io.etcdj.etcdctl.bbolt.BoltFile;
import io.etcdj.etcdctl.bbolt.Bucket;
import io.etcdj.etcdctl.print.Zap;
import io.etcdj.raft.wal.Wal;
import io.etcdj.raft.wal.WalOptions;
import io.etcdj.storage.backend.Backend;
import io.etcdj.storage.backend.Backends;
import io.etcdj.storage.backend.BatchTxn;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Writes an etcdj member directory from an etcd 3.4 backend file (a snapshot saved from etcd or
 * etcdj), as etcd's Restore (v3_snapshot.go) writes an etcd one, in etcdj's layout:
 *
 * <ul>
 *   <li>{@code member/snap/db}: the LMDB store with the snapshot's {@code key} and {@code lease}
 *       buckets as they are (etcdj stores etcd's bytes), its compaction revisions, and the
 *       consistent index set to the number of members, as etcd's {@code updateCIndex};
 *   <li>{@code member/wal}: one {@code ConfChangeAddNode} entry per member at term 1, indexes 1..n
 *       in id order, and the hard state {term 1, vote the first member, commit n}: etcd's
 *       {@code saveWALAndSnap} (etcdj needs no raft snapshot record: its store is at index n);
 *   <li>{@code member/members}: those members, as etcdj's apply loop records them after applying
 *       the entries (so the start finds its peers before anything is applied);
 *   <li>{@code member/cluster}: the member and cluster ids etcd derives from the token and peer
 *       URLs ({@code NewClusterFromURLsMap}), in the file etcdj's {@code ClusterInfo} reads.
 * </ul>
 *
 * <p>A member started on the directory takes its ids and members from it (the initial-* flags are
 * ignored, as etcd ignores them once a WAL exists) and elects a leader with the others. The
 * snapshot's active alarms carry over, as etcd's restore keeps its alarm bucket (a restored member
 * with a NOSPACE alarm refuses writes until it is disarmed); they keep the old member ids. The
 * snapshot's own members are left out as etcd's restore leaves them out. etcdj has no auth to carry
 * over, so a snapshot with auth enabled is refused.
 */
public final class EtcdjMemberDir {
  private static final int BATCH_ENTRIES = 10_000;
  /** The LMDB map a restore writes through; etcdj sizes its own map at start. */
  private static final long MAP_BYTES = 8L * 1024 * 1024 * 1024;

  private static final byte[] CONSISTENT_INDEX = ascii("consistent_index");
  private static final byte[] FINISHED_COMPACT = ascii("finishedCompactRev");
  private static final byte[] SCHEDULED_COMPACT = ascii("scheduledCompactRev");

  private EtcdjMemberDir() {}

  /** What restore makes of the flags: the members with their ids, and this member's. */
  record Cluster(long clusterId, List<Member> members, long selfId, String selfName, List<String> selfPeerUrls) {}

  /** etcd's NewClusterFromURLsMap: ids from the sorted peer URLs and the token. */
  static Cluster cluster(Map<String, List<GoUrl>> initial, String token, String name) {
    List<Member> members = new ArrayList<>();
    for (Map.Entry<String, List<GoUrl>> e : initial.entrySet()) {
      List<String> urls = new ArrayList<>();
      for (GoUrl u : e.getValue()) {
        urls.add(u.toString());
      }
      urls.sort(null);
      long id = first8(sha1((String.join("", urls) + token).getBytes(StandardCharsets.UTF_8)));
      members.add(Member.newBuilder().setID(id).setName(e.getKey()).addAllPeerURLs(urls).build());
    }
    members.sort(Comparator.comparing(Member::getID, Long::compareUnsigned));
    ByteBuffer ids = ByteBuffer.allocate(8 * members.size());
    long self = 0;
    List<String> selfUrls = List.of();
    for (Member m : members) {
      ids.putLong(m.getID());
      if (m.getName().equals(name)) {
        self = m.getID();
        selfUrls = m.getPeerURLsList();
      }
    }
    return new Cluster(first8(sha1(ids.array())), members, self, name, selfUrls);
  }

  /**
   * Writes the member directory under {@code dataDir}; on failure removes what it wrote.
   *
   * @param err where etcd's progress lines go
   */
  static void write(String snapshotPath, Path dataDir, Cluster cluster, PrintStream err) throws RestoreChecks.RestoreException {
    boolean created = false;
    try {
      Files.createDirectories(dataDir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      created = true;
      Path member = dataDir.resolve("member");
      Files.createDirectories(member.resolve("snap"));
      loadStore(snapshotPath, member.resolve("snap").resolve("db"), cluster.members().size(), err);
      for (Member m : cluster.members()) {
        err.println(
            Zap.production("info", "membership/cluster.go:392", "added member")
                .string("cluster-id", Long.toHexString(cluster.clusterId()))
                .string("local-member-id", "0")
                .string("added-peer-id", Long.toHexString(m.getID()))
                .strings("added-peer-peer-urls", m.getPeerURLsList())
                .line());
      }
      writeMembers(member.resolve("members"), cluster);
      writeWal(member.resolve("wal"), cluster);
      writeClusterFile(member.resolve("cluster"), cluster);
    } catch (IOException | RuntimeException e) {
      if (created) {
        deleteTree(dataDir);
      }
      throw new RestoreChecks.RestoreException(e.getMessage() == null ? e.toString() : e.getMessage());
    } catch (BoltException e) {
      if (created) {
        deleteTree(dataDir);
      }
      throw new RestoreChecks.RestoreException(e.getMessage());
    } catch (Error e) {
      if (created) {
        deleteTree(dataDir); // a half-written directory must not be mistaken for a member's
      }
      throw e;
    }
  }

  /** Copies the key and lease buckets and the compaction revisions; sets the consistent index. */
  private static void loadStore(String snapshotPath, Path dbDir, long consistentIndex, PrintStream err) throws BoltException, IOException {
    try (BoltFile db = BoltFile.open(snapshotPath);
        Backend backend = Backends.openLmdb(dbDir, MAP_BYTES)) {
      List<String> errs = db.check();
      if (!errs.isEmpty()) {
        throw new BoltException("snapshot file integrity check failed. " + errs.size() + " errors found.\n" + String.join("\n", errs));
      }
      Bucket auth = db.root().bucket(ascii("auth"));
      if (auth != null) {
        byte[][] enabled = {null};
        auth.forEach((k, v) -> {
          if (Arrays.equals(k, ascii("authEnabled"))) {
            enabled[0] = v;
          }
        });
        if (enabled[0] != null && enabled[0].length == 1 && enabled[0][0] == 1) {
          throw new BoltException("the snapshot has authentication enabled, which etcdj does not implement; disable it (etcdctl auth disable) and save a new snapshot");
        }
      }
      copy(db, "key", io.etcdj.storage.backend.Bucket.KEY, backend);
      copy(db, "lease", io.etcdj.storage.backend.Bucket.LEASE, backend);
      copyAlarms(db, backend);
      Bucket meta = db.root().bucket(ascii("meta"));
      try (BatchTxn tx = backend.batchTxn()) {
        byte[] index = new byte[8];
        ByteBuffer.wrap(index).putLong(consistentIndex);
        tx.put(io.etcdj.storage.backend.Bucket.META, CONSISTENT_INDEX, index);
        long[] finished = {-1};
        if (meta != null) {
          meta.forEach((k, v) -> {
            if (Arrays.equals(k, FINISHED_COMPACT) || Arrays.equals(k, SCHEDULED_COMPACT)) {
              tx.put(io.etcdj.storage.backend.Bucket.META, k, v);
            }
            if (Arrays.equals(k, FINISHED_COMPACT) && v.length >= 8) {
              finished[0] = ByteBuffer.wrap(v).getLong();
            }
          });
        }
        tx.commit();
        if (finished[0] >= 0) {
          err.println(
              Zap.production("info", "mvcc/kvstore.go:388", "restored last compact revision")
                  .string("meta-bucket-name", "meta")
                  .string("meta-bucket-name-key", "finishedCompactRev")
                  .number("restored-compact-revision", finished[0])
                  .line());
        }
      }
      backend.sync();
    }
  }

  private static void copy(BoltFile db, String name, io.etcdj.storage.backend.Bucket target, Backend backend) throws BoltException {
    Bucket source = db.root().bucket(ascii(name));
    if (source == null) {
      return;
    }
    BatchTxn[] tx = {backend.batchTxn()};
    int[] n = {0};
    try {
      source.forEach((k, v) -> {
        if (v == null) {
          throw new BoltException("bucket " + name + " holds a nested bucket");
        }
        tx[0].put(target, k, v);
        if (++n[0] % BATCH_ENTRIES == 0) {
          tx[0].commit();
          tx[0] = backend.batchTxn();
        }
      });
      tx[0].commit();
    } finally {
      tx[0].close();
    }
  }

  /**
   * etcd's alarm bucket keys are marshalled {@code AlarmMember} messages; etcdj's are the member id
   * then the alarm type, big-endian (the server's {@code AlarmStore.key}), with empty values.
   */
  private static void copyAlarms(BoltFile db, Backend backend) throws BoltException {
    Bucket source = db.root().bucket(ascii("alarm"));
    if (source == null) {
      return;
    }
    try (BatchTxn tx = backend.batchTxn()) {
      source.forEach((k, v) -> {
        AlarmMember m;
        try {
          m = AlarmMember.parseFrom(k);
        } catch (InvalidProtocolBufferException e) {
          throw new BoltException("alarm bucket key is not an alarm: " + e.getMessage());
        }
        tx.put(io.etcdj.storage.backend.Bucket.ALARM, alarmKey(m), new byte[0]);
      });
      tx.commit();
    }
  }

  static byte[] alarmKey(AlarmMember m) {
    return ByteBuffer.allocate(Long.BYTES + Integer.BYTES).putLong(m.getMemberID()).putInt(m.getAlarmValue()).array();
  }

  private static void writeMembers(Path file, Cluster cluster) throws IOException {
    MembershipState.Builder state = MembershipState.newBuilder();
    for (Member m : cluster.members()) {
      state.addMembers(bootstrapMember(m));
    }
    Files.write(file, state.build().toByteArray());
  }

  /** A member as a bootstrap entry carries it: id and peer URLs; the name comes with publish. */
  private static Member bootstrapMember(Member m) {
    return m.toBuilder().clearName().build();
  }

  private static void writeWal(Path dir, Cluster cluster) {
    List<LogEntry> entries = new ArrayList<>();
    for (Member m : cluster.members()) {
      ConfChange cc =
          ConfChange.newBuilder()
              .setType(ConfChangeType.CONF_CHANGE_ADD_NODE)
              .setNodeId(m.getID())
              .setContext(bootstrapMember(m).toByteString())
              .build();
      entries.add(
          LogEntry.newBuilder()
              .setType(EntryType.ENTRY_CONF_CHANGE)
              .setTerm(1)
              .setIndex(entries.size() + 1)
              .setData(cc.toByteString())
              .build());
    }
    HardState hs =
        HardState.newBuilder().setTerm(1).setVote(cluster.members().get(0).getID()).setCommit(entries.size()).build();
    try (Wal wal = Wal.open(dir, WalOptions.defaults())) {
      wal.append(hs, entries);
      wal.sync();
    }
  }

  /** The file etcdj's ClusterInfo reads: a member of a new cluster, with its ids in hex. */
  private static void writeClusterFile(Path file, Cluster cluster) throws IOException {
    Properties p = new Properties();
    p.setProperty("member-id", Long.toHexString(cluster.selfId()));
    p.setProperty("cluster-id", Long.toHexString(cluster.clusterId()));
    p.setProperty("initial-cluster-state", "new");
    p.setProperty("name", cluster.selfName());
    p.setProperty("peer-urls", String.join(",", cluster.selfPeerUrls()));
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      p.store(w, "etcdj member identity (etcdctl snapshot restore)");
    }
  }

  private static void deleteTree(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // Best effort: the error that got us here is the one to report.
    }
  }

  private static long first8(byte[] digest) {
    return ByteBuffer.wrap(digest, 0, 8).getLong();
  }

  private static byte[] sha1(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-1").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-1", e);
    }
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
