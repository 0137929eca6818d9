package io.etcdj.server.transport;

/**
 * Transport-wide counters, for tests and diagnostics.
 *
 * @param droppedUnknownPeer outgoing messages whose {@code to} is not a known peer
 * @param messagesReceived messages handed to {@link RaftHandler#process}
 * @param batchesReceived {@code MessageBatch}es received
 * @param messagesRejected received messages dropped because {@code to}/{@code from} did not match
 *     the stream's headers
 * @param callsRejected incoming calls rejected by the identity check (cluster or member mismatch)
 * @param snapshotsReceived snapshots received whole and handed to the handler
 */
public record TransportStats(
    long droppedUnknownPeer,
    long messagesReceived,
    long batchesReceived,
    long messagesRejected,
    long callsRejected,
    long snapshotsReceived) {}
