package io.etcdj.storage.mvcc;

/**
 * A point in the store's history (etcd's {@code mvcc.Revision}): {@code main} is the revision of
 * the write txn, {@code sub} orders the changes inside that txn (0, 1, 2, ...).
 */
public record Revision(long main, long sub) implements Comparable<Revision> {

  @Override
  public int compareTo(Revision other) {
    int byMain = Long.compare(main, other.main);
    return byMain != 0 ? byMain : Long.compare(sub, other.sub);
  }

  /** True when this revision is strictly after {@code other}. */
  public boolean greaterThan(Revision other) {
    return compareTo(other) > 0;
  }
}
