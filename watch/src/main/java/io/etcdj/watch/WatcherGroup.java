package io.etcdj.watch;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A set of watchers findable by key (etcd's {@code watcherGroup}): single-key watchers in a hash
 * map, range and ≥ key watchers in an {@link IntervalTree} whose values are the watchers sharing
 * that interval. Insertion order is kept (the unsynced group is served round-robin). Guarded by the
 * {@link WatchableStore}'s lock.
 */
final class WatcherGroup {
  private final Map<ByteBuffer, Set<Watcher>> keyWatchers = new HashMap<>();
  private final IntervalTree<Set<Watcher>> ranges = new IntervalTree<>();
  private final LinkedHashSet<Watcher> all = new LinkedHashSet<>();

  int size() {
    return all.size();
  }

  boolean isEmpty() {
    return all.isEmpty();
  }

  boolean contains(Watcher w) {
    return all.contains(w);
  }

  /** Every watcher, in insertion order (do not modify the group while iterating). */
  Set<Watcher> watchers() {
    return all;
  }

  void add(Watcher w) {
    if (!all.add(w)) {
      return;
    }
    if (w.spec.isRange()) {
      Set<Watcher> set = ranges.get(w.spec.key(), w.spec.intervalEnd());
      if (set == null) {
        set = new LinkedHashSet<>();
        ranges.put(w.spec.key(), w.spec.intervalEnd(), set);
      }
      set.add(w);
    } else {
      keyWatchers.computeIfAbsent(ByteBuffer.wrap(w.spec.key()), k -> new LinkedHashSet<>()).add(w);
    }
  }

  /** Moves a member to the back of the insertion order. */
  void requeue(Watcher w) {
    if (all.remove(w)) {
      all.add(w);
    }
  }

  boolean remove(Watcher w) {
    if (!all.remove(w)) {
      return false;
    }
    if (w.spec.isRange()) {
      Set<Watcher> set = ranges.get(w.spec.key(), w.spec.intervalEnd());
      set.remove(w);
      if (set.isEmpty()) {
        ranges.remove(w.spec.key(), w.spec.intervalEnd());
      }
    } else {
      ByteBuffer k = ByteBuffer.wrap(w.spec.key());
      Set<Watcher> set = keyWatchers.get(k);
      set.remove(w);
      if (set.isEmpty()) {
        keyWatchers.remove(k);
      }
    }
    return true;
  }

  /** Calls {@code visitor} for every watcher whose key or range holds {@code key}. */
  void match(byte[] key, Consumer<Watcher> visitor) {
    Set<Watcher> exact = keyWatchers.get(ByteBuffer.wrap(key));
    if (exact != null) {
      for (Watcher w : exact) {
        visitor.accept(w);
      }
    }
    if (ranges.size() > 0) {
      ranges.stab(
          key,
          set -> {
            for (Watcher w : set) {
              visitor.accept(w);
            }
          });
    }
  }
}
