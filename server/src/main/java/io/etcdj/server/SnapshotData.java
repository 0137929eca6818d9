package io.etcdj.server;

import io.etcdj.api.etcdserverpb.Member;
import io.etcdj.api.internal.MembershipState;
import io.etcdj.server.transport.SnapshotSource;
import io.etcdj.storage.mvcc.StoreSnapshot;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The data of a snapshot one member sends another (etcd's "merged snapshot": raft metadata in the
 * MsgSnap, the backend as the body), and where a received one waits until it is installed.
 *
 * <p>Body format: the magic {@code ETCDJSN1}; the member list and the removed ids at the
 * snapshot's index (a {@code MembershipState}, because etcdj keeps members beside the store, not
 * in it; its members field is the one a {@code MemberListResponse} has) as a length (i32), the
 * bytes and their CRC-32C (i32); then the store's own dump (see {@code BackendDump}), which carries
 * its own CRC.
 *
 * <p>Files: a received body is kept as {@code member/snap/<index:016x>.snap.db} from the moment
 * raft may accept it until the store holding it has been synced; a restart that finds the WAL's
 * snapshot index above the store's consistent index installs it again from there (etcd's {@code
 * recoverSnapshotBackend}).
 */
final class SnapshotData {
  private static final byte[] MAGIC = "ETCDJSN1".getBytes(StandardCharsets.US_ASCII);
  private static final int HEADER_BYTES_MAX = 64 * 1024 * 1024;
  private static final String SUFFIX = ".snap.db";

  private SnapshotData() {}

  /** The body for {@code store} (which the stream owns) with the membership; size unknown. */
  static SnapshotSource source(MembershipState membership, StoreSnapshot store) {
    byte[] header = header(membership);
    return new SnapshotSource() {
      @Override
      public InputStream open() {
        return new SequenceInputStream(new ByteArrayInputStream(header), store.data());
      }

      @Override
      public long sizeBytes() {
        return -1;
      }
    };
  }

  static byte[] header(MembershipState membership) {
    byte[] list = membership.toByteArray();
    CRC32C crc = new CRC32C();
    crc.update(list);
    ByteArrayOutputStream out = new ByteArrayOutputStream(list.length + 16);
    try (DataOutputStream data = new DataOutputStream(out)) {
      data.write(MAGIC);
      data.writeInt(list.length);
      data.write(list);
      data.writeInt((int) crc.getValue());
    } catch (IOException e) {
      throw new UncheckedIOException(e); // in memory: cannot happen
    }
    return out.toByteArray();
  }

  /** Reads the members and removed ids; {@code in} is then at the store's dump. */
  static MembershipState readMembership(InputStream in) throws IOException {
    DataInputStream data = new DataInputStream(in);
    byte[] magic = new byte[MAGIC.length];
    data.readFully(magic);
    if (!Arrays.equals(magic, MAGIC)) {
      throw new IOException("not an etcdj snapshot (bad magic)");
    }
    int n = data.readInt();
    if (n < 0 || n > HEADER_BYTES_MAX) {
      throw new IOException("snapshot member list of " + n + " bytes");
    }
    byte[] list = new byte[n];
    data.readFully(list);
    CRC32C crc = new CRC32C();
    crc.update(list);
    if (data.readInt() != (int) crc.getValue()) {
      throw new IOException("snapshot member list CRC mismatch");
    }
    return MembershipState.parseFrom(list);
  }

  /**
   * Reads a received body whole: its member list (returned), the store's dump with its CRC, and
   * that the store is at {@code index}. Raft may only be shown a snapshot that passes: once raft accepts
   * one, this member depends on installing it.
   */
  static MembershipState verify(Path file, long index) throws IOException {
    try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      MembershipState membership = readMembership(in);
      long consistentIndex = io.etcdj.storage.mvcc.KvStores.verifySnapshot(in);
      if (consistentIndex != index) {
        throw new IOException(
            "snapshot for index " + index + " holds a store at index " + consistentIndex);
      }
      return membership;
    }
  }

  /** Where a received snapshot at {@code index} waits in {@code snapDir}. */
  static Path file(Path snapDir, long index) {
    return snapDir.resolve(String.format("%016x%s", index, SUFFIX));
  }

  /** Moves a received body into its place for {@code index} and makes the rename durable. */
  static Path keep(Path snapDir, Path received, long index) throws IOException {
    Path target = file(snapDir, index);
    Files.move(received, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    syncDir(snapDir);
    return target;
  }

  /** Deletes every kept or half-received body in {@code snapDir} except {@code keep} (may be null). */
  static void deleteAllExcept(Path snapDir, Path keep) throws IOException {
    if (!Files.isDirectory(snapDir)) {
      return;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(snapDir)) {
      for (Path f : files) {
        String name = f.getFileName().toString();
        if ((name.endsWith(SUFFIX) || name.endsWith(".tmp")) && !f.equals(keep)) {
          Files.deleteIfExists(f);
        }
      }
    }
  }

  static void syncDir(Path dir) throws IOException {
    try (var ch = java.nio.channels.FileChannel.open(dir, java.nio.file.StandardOpenOption.READ)) {
      ch.force(true);
    }
  }
}
