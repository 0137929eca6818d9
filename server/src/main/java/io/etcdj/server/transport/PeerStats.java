package io.etcdj.server.transport;

/**
 * Counters of one remote peer as seen by the sender, for tests and diagnostics (etcd's {@code
 * peer_sent_bytes_total} and {@code peer_sent_failures_total}).
 *
 * @param messagesSent messages written to the peer's stream
 * @param messagesDropped messages dropped: queue full, stream down, oversized, or peer removed
 * @param batchesSent stream writes (one {@code MessageBatch} each)
 * @param bytesSent serialized message bytes written to the stream
 * @param queuedMessages messages waiting in the outbound queue right now
 * @param snapshotsSent snapshots acknowledged by the peer
 * @param snapshotsFailed snapshots that failed
 * @param activeSinceMillis epoch millis since the stream is up, or 0 when it is down
 * @param lastError the last connect or stream error, or null
 */
public record PeerStats(
    long messagesSent,
    long messagesDropped,
    long batchesSent,
    long bytesSent,
    int queuedMessages,
    long snapshotsSent,
    long snapshotsFailed,
    long activeSinceMillis,
    String lastError) {}
