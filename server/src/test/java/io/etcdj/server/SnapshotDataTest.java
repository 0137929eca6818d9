package io.etcdj.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcdj.api.etcdserverpb.Member;
import io.etcdj.storage.mvcc.KV;
import io.etcdj.storage.mvcc.KvStores;
import io.etcdj.storage.mvcc.TxnWrite;
import io.etcdj.storage.mvcc.WriteBatch;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotDataTest {
  @TempDir Path dir;

  private static final List<Member> MEMBERS =
      List.of(
          Member.newBuilder().setID(1).setName("a").addPeerURLs("http://127.0.0.1:1").build(),
          Member.newBuilder().setID(-2).setIsLearner(true).addPeerURLs("http://127.0.0.1:2").build());
  private static final io.etcdj.api.internal.MembershipState STATE =
      io.etcdj.api.internal.MembershipState.newBuilder().addAllMembers(MEMBERS).build();

  private static KV storeWith(int keys, long consistentIndex) {
    KV kv = KvStores.openInMemory();
    try (WriteBatch batch = kv.beginBatch()) {
      TxnWrite txn = batch.write();
      for (int i = 0; i < keys; i++) {
        txn.put(("k" + i).getBytes(StandardCharsets.UTF_8), new byte[] {(byte) i}, 0);
      }
      txn.end();
      batch.setConsistentIndex(consistentIndex);
      batch.commit();
    }
    return kv;
  }

  @Test
  void aBodyCarriesTheMembersThenTheStore() throws IOException {
    byte[] body;
    try (KV source = storeWith(50, 77)) {
      try (InputStream in = SnapshotData.source(STATE, source.snapshot()).open()) {
        body = in.readAllBytes();
      }
      try (KV target = storeWith(3, 5)) {
        InputStream in = new ByteArrayInputStream(body);
        assertEquals(STATE, SnapshotData.readMembership(in));
        target.restore(in);
        assertEquals(77, target.consistentIndex());
        assertEquals(source.rev(), target.rev());
        assertEquals(source.hashByRev(0), target.hashByRev(0));
      }
    }
  }

  @Test
  void aReceivedBodyIsReadWholeBeforeRaftMaySeeIt() throws IOException {
    byte[] body;
    try (KV source = storeWith(20, 42);
        InputStream in = SnapshotData.source(STATE, source.snapshot()).open()) {
      body = in.readAllBytes();
    }
    Path good = Files.write(dir.resolve("good"), body);
    SnapshotData.verify(good, 42);
    IOException wrongIndex = assertThrows(IOException.class, () -> SnapshotData.verify(good, 43));
    assertTrue(wrongIndex.getMessage().contains("holds a store at index 42"), wrongIndex.getMessage());
    Path cut = Files.write(dir.resolve("cut"), java.util.Arrays.copyOf(body, body.length - 9));
    assertThrows(IOException.class, () -> SnapshotData.verify(cut, 42));
    byte[] flipped = body.clone();
    flipped[body.length - 20] ^= 0x40;
    Path bad = Files.write(dir.resolve("bad"), flipped);
    assertThrows(IOException.class, () -> SnapshotData.verify(bad, 42));
    Path empty = Files.write(dir.resolve("empty"), new byte[0]);
    assertThrows(IOException.class, () -> SnapshotData.verify(empty, 42));
  }

  @Test
  void aDamagedMemberListIsRejected() {
    byte[] header = SnapshotData.header(STATE);
    byte[] flipped = header.clone();
    flipped[header.length - 6] ^= 1;
    assertThrows(IOException.class, () -> SnapshotData.readMembership(new ByteArrayInputStream(flipped)));
    byte[] magic = header.clone();
    magic[0] = 'x';
    assertThrows(IOException.class, () -> SnapshotData.readMembership(new ByteArrayInputStream(magic)));
  }

  /** Removed ids travel too, so a member installing the snapshot refuses removed members. */
  @Test
  void theMembershipCarriesRemovedIds() throws IOException {
    io.etcdj.api.internal.MembershipState state =
        io.etcdj.api.internal.MembershipState.newBuilder()
            .addAllMembers(MEMBERS)
            .addRemovedIds(7)
            .build();
    byte[] header = SnapshotData.header(state);
    assertEquals(state, SnapshotData.readMembership(new ByteArrayInputStream(header)));
    assertEquals(MEMBERS, SnapshotData.readMembership(new ByteArrayInputStream(header)).getMembersList());
    // A body written with only the member list reads as no removed ids.
    assertEquals(
        List.of(),
        SnapshotData.readMembership(new ByteArrayInputStream(SnapshotData.header(STATE)))
            .getRemovedIdsList());
  }

  @Test
  void keptFilesAreNamedByIndexAndCleanedUp() throws IOException {
    Path received = Files.write(dir.resolve("recv-00000000000000aa-1.snap.tmp"), new byte[] {1, 2});
    Path half = Files.write(dir.resolve("recv-00000000000000bb-2.snap.tmp"), new byte[] {3});
    Path other = Files.write(dir.resolve("db-not-mine"), new byte[] {4});
    Path kept = SnapshotData.keep(dir, received, 0xaa);
    assertEquals(SnapshotData.file(dir, 0xaa), kept);
    assertEquals("00000000000000aa.snap.db", kept.getFileName().toString());
    assertArrayEquals(new byte[] {1, 2}, Files.readAllBytes(kept));
    assertFalse(Files.exists(received));
    SnapshotData.deleteAllExcept(dir, kept);
    assertTrue(Files.exists(kept));
    assertFalse(Files.exists(half));
    SnapshotData.deleteAllExcept(dir, null);
    assertFalse(Files.exists(kept));
    assertTrue(Files.exists(other), "files it does not own are left alone");
  }
}
