package io.etcdj.server.membership;

import io.etcdj.api.etcdserverpb.Member;
import io.etcdj.api.internal.MembershipState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The cluster's members as the log has decided them (etcd's {@code membership.RaftCluster}):
 * conf-change entries add, update and remove members (their peer URLs travel in the entry's
 * context as an {@code etcdserverpb.Member}); publish entries fill in a member's name and client
 * URLs. A member with no name has not started yet ("unstarted" in etcdctl). Removed ids are kept
 * for good, as etcd keeps them: a removed member is told so when it calls again, and its id is
 * never taken back.
 *
 * <p>Threading: only the apply thread changes it; readers on any thread see an immutable
 * snapshot through a volatile field. Persistence: the apply thread saves the whole list to {@code
 * member/members} before the backend commit of the batch that changed it, so after a crash the
 * file is never behind the store's consistent index (replaying a change is harmless).
 */
public final class Membership {
  private final Path file;
  private volatile Map<Long, Member> members;
  private volatile Set<Long> removed;
  private boolean dirty;

  private Membership(Path file, Map<Long, Member> members, Set<Long> removed) {
    this.file = file;
    this.members = members;
    this.removed = removed;
  }

  /** Loads {@code file} if it exists, else starts empty (a new member fills it from the log). */
  public static Membership load(Path file) {
    Map<Long, Member> m = new LinkedHashMap<>();
    Set<Long> removed = new HashSet<>();
    if (Files.exists(file)) {
      try {
        MembershipState saved = MembershipState.parseFrom(Files.readAllBytes(file));
        for (Member member : saved.getMembersList()) {
          m.put(member.getID(), member);
        }
        removed.addAll(saved.getRemovedIdsList());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file, e);
      }
    }
    return new Membership(file, m, Set.copyOf(removed));
  }

  /** The members ordered by id (unsigned), as etcd lists them. */
  public List<Member> list() {
    List<Member> out = new ArrayList<>(members.values());
    out.sort(Comparator.comparing(Member::getID, Long::compareUnsigned));
    return out;
  }

  public Member get(long id) {
    return members.get(id);
  }

  public boolean contains(long id) {
    return members.containsKey(id);
  }

  /** True when the log removed {@code id} from the cluster (etcd's IsIDRemoved). */
  public boolean isRemoved(long id) {
    return removed.contains(id);
  }

  /** Every id the log removed, in no particular order. */
  public Set<Long> removedIds() {
    return removed;
  }

  /** Adds or replaces a member's peer URLs and learner flag, keeping a known name and client URLs. */
  public void add(Member m) {
    Member old = members.get(m.getID());
    Member merged =
        old == null
            ? m
            : m.toBuilder()
                .setName(old.getName())
                .clearClientURLs()
                .addAllClientURLs(old.getClientURLsList())
                .build();
    change(m.getID(), merged);
  }

  public void updatePeerUrls(long id, List<String> peerUrls) {
    Member old = members.get(id);
    if (old != null) {
      change(id, old.toBuilder().clearPeerURLs().addAllPeerURLs(peerUrls).build());
    }
  }

  public void promote(long id) {
    Member old = members.get(id);
    if (old != null) {
      change(id, old.toBuilder().setIsLearner(false).build());
    }
  }

  public void remove(long id) {
    change(id, null);
    Set<Long> next = new HashSet<>(removed);
    next.add(id);
    removed = Set.copyOf(next);
  }

  /** A member announced its name and client URLs (etcd's publish). Unknown ids are ignored. */
  public void publish(long id, String name, List<String> clientUrls) {
    Member old = members.get(id);
    if (old != null) {
      change(id, old.toBuilder().setName(name).clearClientURLs().addAllClientURLs(clientUrls).build());
    }
  }

  /**
   * Replaces the members and removed ids with a snapshot's (installing a leader's snapshot): the
   * changes it covers are not in this member's log. Apply thread only.
   */
  public void replaceAll(List<Member> snapshotMembers, java.util.Collection<Long> snapshotRemoved) {
    Map<Long, Member> next = new LinkedHashMap<>();
    for (Member m : snapshotMembers) {
      next.put(m.getID(), m);
    }
    members = Map.copyOf(next);
    Set<Long> gone = new HashSet<>(removed); // ids once removed stay removed
    gone.addAll(snapshotRemoved);
    removed = Set.copyOf(gone);
    dirty = true;
  }

  /** The members and removed ids as saved (and as a snapshot carries them). */
  public MembershipState state() {
    List<Long> removedSorted = new ArrayList<>(removed);
    removedSorted.sort(Long::compareUnsigned);
    return MembershipState.newBuilder().addAllMembers(list()).addAllRemovedIds(removedSorted).build();
  }

  private void change(long id, Member m) {
    Map<Long, Member> next = new LinkedHashMap<>(members);
    if (m == null) {
      next.remove(id);
    } else {
      next.put(id, m);
    }
    members = Map.copyOf(next);
    dirty = true;
  }

  /** Writes the list if it changed since the last save (atomic rename). Apply thread only. */
  public void saveIfChanged() {
    if (!dirty) {
      return;
    }
    MembershipState b = state();
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      Files.write(tmp, b.toByteArray());
      try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      // The rename must be durable before a backend checkpoint covers the change: a power loss
      // sends the backend back to its checkpoint, and the WAL replays only what comes after it.
      try (var dir = java.nio.channels.FileChannel.open(file.getParent(), java.nio.file.StandardOpenOption.READ)) {
        dir.force(true);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot save " + file, e);
    }
    dirty = false;
  }
}
