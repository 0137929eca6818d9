package io.etcdj.raft;

import com.google.protobuf.ByteString;

/**
 * A confirmed ReadIndex request: once the application has applied up to {@code index}, a read
 * identified by {@code requestCtx} is linearizable (etcd's {@code ReadState}).
 */
public record ReadState(long index, ByteString requestCtx) {
  public ReadState {
    if (index < 0 || requestCtx == null) {
      throw new IllegalArgumentException("bad read state " + index + " " + requestCtx);
    }
  }
}
