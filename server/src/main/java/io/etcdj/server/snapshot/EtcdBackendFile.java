package io.etcdj.server.snapshot;

import io.etcdj.api.etcdserverpb.Member;
import io.etcdj.api.internal.MembershipState;
import io.etcdj.server.alarm.AlarmStore;
import io.etcdj.storage.backend.BackendDump;
import io.etcdj.storage.backend.Bucket;
import io.etcdj.storage.bbolt.BoltWriter;
import io.etcdj.storage.mvcc.StoreSnapshot;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * etcdj's store and membership written as etcd 3.4.23's backend file: the buckets etcd creates
 * ({@code alarm}, {@code auth}, {@code authRoles}, {@code authUsers}, {@code cluster}, {@code key},
 * {@code lease}, {@code members}, {@code members_removed}, {@code meta}) with etcd's encodings.
 * etcdj's key and lease buckets already hold etcd's bytes (revision keys → {@code mvccpb.KeyValue},
 * lease id → a message wire-equal to {@code leasepb.Lease}); its meta bucket gives the three keys
 * etcd has (its compaction cursor is etcdj's own and stays out). Members are etcd's JSON under the
 * hex id (membership/store.go); removed ids map to {@code "removed"}. Auth was never enabled on
 * etcdj, so the auth bucket holds what a fresh etcd's does: {@code authRevision} 1.
 *
 * <p>The membership is read beside the store, not in its txn (etcdj keeps it in its own file); a
 * membership change applied between the two reads is the only thing that can differ from one
 * instant's state.
 */
public final class EtcdBackendFile {
  /** bbolt's page size: the OS page on amd64 and arm64. */
  public static final int PAGE_BYTES = 4096;
  /** The version etcd 3.4 records in the cluster bucket once its members agree. */
  static final String CLUSTER_VERSION = "3.4.0";

  private static final List<String> META_KEYS = List.of("consistent_index", "finishedCompactRev", "scheduledCompactRev");

  private EtcdBackendFile() {}

  /**
   * Writes {@code file} from {@code store} (read to its end; the caller closes it).
   *
   * @return bbolt's size of the file, which is its length
   */
  public static long write(Path file, StoreSnapshot store, MembershipState membership) throws IOException {
    try (BoltWriter w = BoltWriter.create(file, PAGE_BYTES)) {
      List<String> done = new ArrayList<>();
      List<byte[]> alarms = new ArrayList<>();
      Bucket[] current = {null};
      try {
        BackendDump.read(
            new BufferedInputStream(store.data(), 1 << 16),
            (bucket, key, value) -> {
              try {
                if (bucket == Bucket.ALARM) {
                  // etcdj's alarm keys are its own; etcd's are the AlarmMember messages, sorted below.
                  alarms.add(AlarmStore.parse(key).toByteArray());
                  return;
                }
                if (bucket != current[0]) {
                  if (current[0] != null) {
                    w.endBucket();
                  }
                  current[0] = bucket;
                  done.add(bucket.dbName());
                  w.beginBucket(ascii(bucket.dbName()));
                }
                if (bucket != Bucket.META || META_KEYS.contains(new String(key, StandardCharsets.US_ASCII))) {
                  w.put(key, value);
                }
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
      } catch (UncheckedIOException e) {
        throw e.getCause();
      }
      if (current[0] != null) {
        w.endBucket();
      }
      for (Bucket b : Bucket.values()) {
        if (b != Bucket.ALARM && !done.contains(b.dbName())) {
          w.beginBucket(ascii(b.dbName()));
          w.endBucket();
        }
      }
      alarms.sort(Arrays::compareUnsigned);
      w.beginBucket(ascii("alarm"));
      for (byte[] alarm : alarms) {
        w.put(alarm, new byte[0]);
      }
      w.endBucket();
      bucket(w, "auth", "authRevision", bigEndian(1));
      bucket(w, "authRoles");
      bucket(w, "authUsers");
      bucket(w, "cluster", "clusterVersion", ascii(CLUSTER_VERSION));
      writeMembers(w, membership);
      // bbolt's txid is not etcd's data; the consistent index is as good a counter as any.
      return w.finish(Math.max(2, store.consistentIndex()));
    }
  }

  private static void writeMembers(BoltWriter w, MembershipState membership) throws IOException {
    List<byte[][]> members = new ArrayList<>();
    for (Member m : membership.getMembersList()) {
      members.add(new byte[][] {ascii(hexId(m.getID())), memberJson(m).getBytes(StandardCharsets.UTF_8)});
    }
    members.sort((a, b) -> Arrays.compareUnsigned(a[0], b[0]));
    w.beginBucket(ascii("members"));
    for (byte[][] e : members) {
      w.put(e[0], e[1]);
    }
    w.endBucket();
    List<byte[]> removed = new ArrayList<>();
    for (long id : membership.getRemovedIdsList()) {
      removed.add(ascii(hexId(id)));
    }
    removed.sort(Arrays::compareUnsigned);
    w.beginBucket(ascii("members_removed"));
    for (byte[] id : removed) {
      w.put(id, ascii("removed"));
    }
    w.endBucket();
  }

  private static void bucket(BoltWriter w, String name, Object... keyValues) throws IOException {
    w.beginBucket(ascii(name));
    for (int i = 0; i < keyValues.length; i += 2) {
      w.put(ascii((String) keyValues[i]), (byte[]) keyValues[i + 1]);
    }
    w.endBucket();
  }

  /** types.ID.String(): lower-case hex without leading zeros. */
  static String hexId(long id) {
    return Long.toHexString(id);
  }

  /**
   * membership.Member as Go's encoding/json writes it: {@code id} (decimal uint64), {@code
   * peerURLs}, then {@code isLearner}, {@code name} and {@code clientURLs} only when set.
   */
  static String memberJson(Member m) {
    StringBuilder b = new StringBuilder("{\"id\":").append(Long.toUnsignedString(m.getID()));
    b.append(",\"peerURLs\":");
    list(b, m.getPeerURLsList());
    if (m.getIsLearner()) {
      b.append(",\"isLearner\":true");
    }
    if (!m.getName().isEmpty()) {
      b.append(",\"name\":");
      string(b, m.getName());
    }
    if (m.getClientURLsCount() > 0) {
      b.append(",\"clientURLs\":");
      list(b, m.getClientURLsList());
    }
    return b.append('}').toString();
  }

  private static void list(StringBuilder b, List<String> items) {
    b.append('[');
    for (int i = 0; i < items.size(); i++) {
      if (i > 0) {
        b.append(',');
      }
      string(b, items.get(i));
    }
    b.append(']');
  }

  /** A JSON string as Go's json.Marshal escapes it (HTML-safe: <, > and & as \\u escapes). */
  static void string(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }

  private static byte[] bigEndian(long v) {
    byte[] out = new byte[Long.BYTES];
    for (int i = 0; i < Long.BYTES; i++) {
      out[i] = (byte) (v >>> (56 - 8 * i));
    }
    return out;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
