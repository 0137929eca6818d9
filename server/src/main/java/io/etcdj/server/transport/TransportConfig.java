package io.etcdj.server.transport;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Identity and limits of one member's peer transport. Immutable and validated; build it with {@link
 * #builder(long, long, Path)}, which starts from the defaults below.
 *
 * @param clusterId this member's cluster id, sent and checked on every call
 * @param memberId this member's id
 * @param snapshotDir where received snapshots are written (as temp files) before hand-over
 * @param queueMessagesMax outbound queue per peer (etcd's streamBufSize, 4096); beyond it {@link
 *     Transport#send} drops and reports the peer unreachable
 * @param batchMessagesMax messages per stream write
 * @param batchBytesMax serialized bytes per stream write (a single larger message goes alone)
 * @param inboundMessageBytesMax largest gRPC message a peer server accepts (64 MiB): it bounds the
 *     largest MsgApp a leader may send; snapshots never travel as one message
 * @param snapshotChunkBytes bytes of snapshot data per chunk (1 MiB)
 * @param snapshotBytesMax largest snapshot a receiver accepts
 * @param backoffInitialMillis first reconnect delay after a stream broke or a dial failed
 * @param backoffMaxMillis reconnect delay ceiling (the delay doubles up to it, with ±20% jitter)
 * @param dialTimeoutMillis TCP connect plus waiting for the receiver's StreamAck
 * @param snapshotStallTimeoutMillis a snapshot fails when the peer accepts no chunk for this long
 * @param snapshotAckTimeoutMillis a snapshot fails when the ack does not come this long after the
 *     last chunk (the receiver syncs the file first)
 * @param snapshotSendersMax snapshots sent at the same time (at most one per peer)
 * @param serverThreads threads of {@link PeerServer} running handlers and snapshot file writes
 */
public record TransportConfig(
    long clusterId,
    long memberId,
    Path snapshotDir,
    int queueMessagesMax,
    int batchMessagesMax,
    int batchBytesMax,
    int inboundMessageBytesMax,
    int snapshotChunkBytes,
    long snapshotBytesMax,
    long backoffInitialMillis,
    long backoffMaxMillis,
    long dialTimeoutMillis,
    long snapshotStallTimeoutMillis,
    long snapshotAckTimeoutMillis,
    int snapshotSendersMax,
    int serverThreads) {

  public static final int MIB = 1024 * 1024;

  /** Room left in a gRPC message for the batch framing around one maximal message. */
  static final int BATCH_OVERHEAD_BYTES = 64;

  public TransportConfig {
    Objects.requireNonNull(snapshotDir, "snapshotDir");
    require(clusterId != 0, "clusterId must not be 0");
    require(memberId != 0, "memberId must not be 0");
    require(queueMessagesMax >= 1 && queueMessagesMax <= 1 << 20, "queueMessagesMax in [1, 2^20]");
    require(
        batchMessagesMax >= 1 && batchMessagesMax <= queueMessagesMax,
        "batchMessagesMax in [1, queueMessagesMax]");
    require(inboundMessageBytesMax >= MIB, "inboundMessageBytesMax >= 1 MiB");
    require(
        batchBytesMax >= 1024 && batchBytesMax <= inboundMessageBytesMax,
        "batchBytesMax in [1 KiB, inboundMessageBytesMax]");
    require(
        snapshotChunkBytes >= 1024 && snapshotChunkBytes <= inboundMessageBytesMax - MIB / 2,
        "snapshotChunkBytes in [1 KiB, inboundMessageBytesMax - 512 KiB]");
    require(snapshotBytesMax >= snapshotChunkBytes, "snapshotBytesMax >= snapshotChunkBytes");
    require(
        backoffInitialMillis >= 1 && backoffInitialMillis <= backoffMaxMillis,
        "backoffInitialMillis in [1, backoffMaxMillis]");
    require(backoffMaxMillis <= 60_000, "backoffMaxMillis <= 60 s");
    require(
        dialTimeoutMillis >= 10 && dialTimeoutMillis <= 60_000, "dialTimeoutMillis in [10, 60000]");
    require(snapshotStallTimeoutMillis >= 10, "snapshotStallTimeoutMillis >= 10");
    require(snapshotAckTimeoutMillis >= 10, "snapshotAckTimeoutMillis >= 10");
    require(snapshotSendersMax >= 1 && snapshotSendersMax <= 64, "snapshotSendersMax in [1, 64]");
    require(serverThreads >= 1 && serverThreads <= 256, "serverThreads in [1, 256]");
  }

  /** Largest single outgoing message; larger ones are dropped (the receiver would reject them). */
  public int messageBytesMax() {
    return inboundMessageBytesMax - BATCH_OVERHEAD_BYTES;
  }

  private static void require(boolean ok, String what) {
    if (!ok) {
      throw new IllegalArgumentException("invalid transport config: " + what);
    }
  }

  public static Builder builder(long clusterId, long memberId, Path snapshotDir) {
    return new Builder(clusterId, memberId, snapshotDir);
  }

  /** Starts from the defaults; every setter returns this. */
  public static final class Builder {
    private final long clusterId;
    private final long memberId;
    private final Path snapshotDir;
    private int queueMessagesMax = 4096;
    private int batchMessagesMax = 1024;
    private int batchBytesMax = MIB;
    private int inboundMessageBytesMax = 64 * MIB;
    private int snapshotChunkBytes = MIB;
    private long snapshotBytesMax = 64L * 1024 * MIB;
    private long backoffInitialMillis = 50;
    // etcd redials a peer every 100 ms; a failed dial on a LAN costs little, and a restarted member
    // is heard again within a few hundred ms instead of up to 2 s (ClusterCrashCyclesTest).
    private long backoffMaxMillis = 400;
    private long dialTimeoutMillis = 2_000;
    private long snapshotStallTimeoutMillis = 10_000;
    private long snapshotAckTimeoutMillis = 30_000;
    private int snapshotSendersMax = 4;
    private int serverThreads =
        Math.max(2, Math.min(8, Runtime.getRuntime().availableProcessors()));

    private Builder(long clusterId, long memberId, Path snapshotDir) {
      this.clusterId = clusterId;
      this.memberId = memberId;
      this.snapshotDir = snapshotDir;
    }

    public Builder queueMessagesMax(int v) {
      queueMessagesMax = v;
      return this;
    }

    public Builder batchMessagesMax(int v) {
      batchMessagesMax = v;
      return this;
    }

    public Builder batchBytesMax(int v) {
      batchBytesMax = v;
      return this;
    }

    public Builder inboundMessageBytesMax(int v) {
      inboundMessageBytesMax = v;
      return this;
    }

    public Builder snapshotChunkBytes(int v) {
      snapshotChunkBytes = v;
      return this;
    }

    public Builder snapshotBytesMax(long v) {
      snapshotBytesMax = v;
      return this;
    }

    public Builder backoffMillis(long initial, long max) {
      backoffInitialMillis = initial;
      backoffMaxMillis = max;
      return this;
    }

    public Builder dialTimeoutMillis(long v) {
      dialTimeoutMillis = v;
      return this;
    }

    public Builder snapshotTimeoutsMillis(long stall, long ack) {
      snapshotStallTimeoutMillis = stall;
      snapshotAckTimeoutMillis = ack;
      return this;
    }

    public Builder snapshotSendersMax(int v) {
      snapshotSendersMax = v;
      return this;
    }

    public Builder serverThreads(int v) {
      serverThreads = v;
      return this;
    }

    public TransportConfig build() {
      return new TransportConfig(
          clusterId,
          memberId,
          snapshotDir,
          queueMessagesMax,
          batchMessagesMax,
          batchBytesMax,
          inboundMessageBytesMax,
          snapshotChunkBytes,
          snapshotBytesMax,
          backoffInitialMillis,
          backoffMaxMillis,
          dialTimeoutMillis,
          snapshotStallTimeoutMillis,
          snapshotAckTimeoutMillis,
          snapshotSendersMax,
          serverThreads);
    }
  }
}
