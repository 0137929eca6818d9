package io.etcdj.server.transport;

import io.etcdj.api.internal.Message;
import java.nio.file.Path;

/**
 * What the transport hands to the local Raft node (etcd's {@code rafthttp.Raft}).
 *
 * <p>Threads: every method may be called from any transport thread (gRPC server threads for {@link
 * #process} and {@link #receiveSnapshot}, peer writer and snapshot threads for the reports, and the
 * caller of {@link Transport#send} for {@link #reportUnreachable} when a queue is full).
 * Implementations must not block and must not call back into the {@link Transport}
 * synchronously: they enqueue for the raft loop ({@link #process} runs on a Netty event loop and
 * drops what does not fit, as raft allows).
 */
public interface RaftHandler {
  /** A message from a peer, in the order that peer sent it. */
  void process(Message m);

  /** Messages to {@code id} were dropped, or its stream broke (raft: probe that follower). */
  void reportUnreachable(long id);

  /** Outcome of {@link Transport#sendSnapshot} to {@code id}; called exactly once per snapshot. */
  void reportSnapshot(long id, boolean ok);

  /**
   * A whole snapshot arrived: {@code msgSnap} is the MsgSnap (its {@code snapshot.data} empty) and
   * {@code dataFile} holds the data, complete and synced. The handler owns the file from here on
   * (move it into place or delete it).
   */
  void receiveSnapshot(Message msgSnap, Path dataFile);

  /**
   * A peer refused this member's stream because the cluster removed this member (etcd's
   * errMemberRemoved on HTTP 410): the member must stop. May be called more than once.
   */
  default void reportSelfRemoved() {}
}
