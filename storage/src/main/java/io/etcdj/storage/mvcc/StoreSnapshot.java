package io.etcdj.storage.mvcc;

import java.io.InputStream;

/**
 * A consistent copy of a whole store (see {@link KV#snapshot()}): the data as one stream, and the
 * consistent index it holds. It pins a backend snapshot until closed; closing the stream closes it
 * too.
 */
public final class StoreSnapshot implements AutoCloseable {
  private final long consistentIndex;
  private final InputStream data;

  StoreSnapshot(long consistentIndex, InputStream data) {
    this.consistentIndex = consistentIndex;
    this.data = data;
  }

  /** The applied Raft index the copied data is at. */
  public long consistentIndex() {
    return consistentIndex;
  }

  /** The data, for {@link KV#restore}; read it once, from one thread at a time. */
  public InputStream data() {
    return data;
  }

  @Override
  public void close() {
    try {
      data.close();
    } catch (java.io.IOException e) {
      throw new IllegalStateException("closing a store snapshot", e);
    }
  }
}
