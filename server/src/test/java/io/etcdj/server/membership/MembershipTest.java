package io.etcdj.server.membership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcdj.api.etcdserverpb.Member;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MembershipTest {
  @TempDir Path dir;

  static Member member(long id, String peer, boolean learner) {
    return Member.newBuilder().setID(id).addPeerURLs(peer).setIsLearner(learner).build();
  }

  @Test
  void publishFillsNameAndClientUrlsAndReAddKeepsThem() {
    Membership m = Membership.load(dir.resolve("members"));
    m.add(member(7, "http://127.0.0.1:2380", false));
    assertEquals("", m.get(7).getName(), "unstarted until it publishes");
    m.publish(7, "n7", List.of("http://127.0.0.1:2379"));
    m.add(member(7, "http://127.0.0.1:2390", false)); // replayed conf change after a restart
    assertEquals("n7", m.get(7).getName());
    assertEquals(List.of("http://127.0.0.1:2379"), m.get(7).getClientURLsList());
    assertEquals(List.of("http://127.0.0.1:2390"), m.get(7).getPeerURLsList());
    m.publish(99, "ghost", List.of()); // unknown ids are ignored
    assertFalse(m.contains(99));
  }

  @Test
  void listIsOrderedByUnsignedId() {
    Membership m = Membership.load(dir.resolve("members"));
    m.add(member(-1L, "http://a:1", false)); // 0xffff... sorts last as etcd's uint64
    m.add(member(5, "http://b:1", false));
    m.add(member(1, "http://c:1", false));
    assertEquals(List.of(1L, 5L, -1L), m.list().stream().map(Member::getID).toList());
  }

  @Test
  void promoteUpdateRemove() {
    Membership m = Membership.load(dir.resolve("members"));
    m.add(member(3, "http://x:1", true));
    m.promote(3);
    assertFalse(m.get(3).getIsLearner());
    m.updatePeerUrls(3, List.of("http://y:1"));
    assertEquals(List.of("http://y:1"), m.get(3).getPeerURLsList());
    m.remove(3);
    assertTrue(m.list().isEmpty());
  }

  @Test
  void aSnapshotsListReplacesEverythingAndIsSaved() {
    Path file = dir.resolve("members");
    Membership m = Membership.load(file);
    m.add(member(1, "http://a:1", false));
    m.add(member(2, "http://b:1", false));
    m.saveIfChanged();
    m.replaceAll(List.of(member(3, "http://c:1", true), member(2, "http://b:2", false)), List.of());
    assertEquals(List.of(2L, 3L), m.list().stream().map(Member::getID).toList());
    assertEquals(List.of("http://b:2"), m.get(2).getPeerURLsList());
    m.saveIfChanged();
    assertEquals(m.list(), Membership.load(file).list());
  }

  @Test
  void savedListSurvivesReloadAndIsWrittenOnlyWhenChanged() throws Exception {
    Path file = dir.resolve("members");
    Membership m = Membership.load(file);
    m.saveIfChanged();
    assertFalse(Files.exists(file), "nothing changed, nothing written");
    m.add(member(4, "http://p:1", false));
    m.publish(4, "four", List.of("http://c:1"));
    m.saveIfChanged();
    long written = Files.getLastModifiedTime(file).toMillis();
    Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(written - 10_000));
    m.saveIfChanged();
    assertEquals(written - 10_000, Files.getLastModifiedTime(file).toMillis(), "no rewrite when clean");
    Membership reloaded = Membership.load(file);
    assertEquals(m.list(), reloaded.list());
  }

  @Test
  void removedIdsAreKeptForGood() {
    Path file = dir.resolve("members");
    Membership m = Membership.load(file);
    m.add(member(5, "http://p:1", false));
    m.add(member(6, "http://q:1", false));
    m.remove(5);
    assertTrue(m.isRemoved(5));
    assertFalse(m.isRemoved(6));
    m.saveIfChanged();
    Membership reloaded = Membership.load(file);
    assertEquals(java.util.Set.of(5L), reloaded.removedIds());
    assertEquals(List.of(6L), reloaded.list().stream().map(Member::getID).toList());
  }

  /** Files written before removed ids were kept hold a MemberListResponse; they still load. */
  @Test
  void oldMemberListFilesStillLoad() throws Exception {
    Path file = dir.resolve("members");
    Files.write(
        file,
        io.etcdj.api.etcdserverpb.MemberListResponse.newBuilder()
            .setHeader(io.etcdj.api.etcdserverpb.ResponseHeader.newBuilder().setClusterId(9))
            .addMembers(member(7, "http://r:1", true))
            .build()
            .toByteArray());
    Membership m = Membership.load(file);
    assertEquals(List.of(member(7, "http://r:1", true)), m.list());
    assertTrue(m.removedIds().isEmpty());
  }

  @Test
  void aSnapshotAddsItsRemovedIdsAndForgetsNone() {
    Membership m = Membership.load(dir.resolve("members"));
    m.add(member(5, "http://p:1", false));
    m.remove(5);
    m.replaceAll(List.of(member(6, "http://q:1", false)), List.of(8L));
    assertEquals(java.util.Set.of(5L, 8L), m.removedIds());
    assertEquals(List.of(8L, 5L).stream().sorted().toList(), m.state().getRemovedIdsList());
  }
}
