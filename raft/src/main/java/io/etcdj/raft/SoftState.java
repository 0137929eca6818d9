package io.etcdj.raft;

/** Volatile state worth reporting but never persisted: the known leader and this node's role. */
public record SoftState(long lead, StateRole role) {
  public SoftState {
    if (role == null) {
      throw new IllegalArgumentException("role");
    }
  }
}
