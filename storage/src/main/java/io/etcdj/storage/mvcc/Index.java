package io.etcdj.storage.mvcc;

import java.util.List;
import java.util.Set;

/**
 * The in-memory key index (etcd's {@code mvcc.index}, implemented by {@code TreeIndex}): for each
 * key, its {@code KeyIndex} of generations, kept in a B-tree ordered by key bytes (unsigned).
 *
 * <p>Range rules for {@code end}: null or empty means the single key {@code key}; {@code {0}}
 * means every key ≥ key; otherwise [key, end).
 *
 * <p>Threading: safe for concurrent readers and one writer (the apply thread). Readers only see
 * revisions up to the {@code atRev} they pass, so revisions written by a batch that has not
 * committed yet stay invisible to them.
 */
interface Index {

  /**
   * The state of {@code key} at {@code atRev}: its newest revision ≤ atRev in the generation alive
   * at atRev, that generation's create revision, and its version at atRev. Null when the key does
   * not exist at atRev (never created, deleted, or not yet created).
   */
  KeyState get(byte[] key, long atRev);

  /**
   * The keys alive at {@code atRev} in the range, in ascending key order, each with its newest
   * revision ≤ atRev; at most {@code limit} of them (limit ≤ 0: all), plus the total number alive
   * in the range (not capped by the limit).
   */
  RangeRevisions revisions(byte[] key, byte[] end, long atRev, int limit);

  /** The number of keys alive at {@code atRev} in the range. */
  long countRevisions(byte[] key, byte[] end, long atRev);

  /** Records a put of {@code key} at {@code rev} (starts a generation if the key is not live). */
  void put(byte[] key, Revision rev);

  /**
   * Records the deletion of a live key at {@code rev}: adds rev to its current generation and
   * closes it.
   *
   * @throws IllegalStateException if the key is not live (a broken invariant: callers check)
   */
  void tombstone(byte[] key, Revision rev);

  /**
   * Rebuilds a key's index entry on restart when its history before {@code modified} was
   * compacted away: a live generation created at {@code created} whose newest revision is {@code
   * modified} at version {@code version}.
   */
  void restore(byte[] key, Revision created, Revision modified, long version);

  /**
   * Compacts the index at {@code rev}: drops every revision superseded at or before rev and every
   * key left with nothing, and returns the revisions ≤ rev that must be kept in the backend.
   */
  Set<Revision> compact(long rev);

  /** The revisions ≤ rev that {@link #compact(long)} would keep, without changing anything. */
  Set<Revision> keep(long rev);

  /** Number of keys in the index (live or holding history). */
  long size();

  /** One key's state at a revision. */
  record KeyState(Revision modified, Revision created, long version) {}

  /** The answer of {@link #revisions}. */
  record RangeRevisions(List<byte[]> keys, List<Revision> revisions, long total) {}
}
