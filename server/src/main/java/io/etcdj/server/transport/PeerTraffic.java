package io.etcdj.server.transport;

/**
 * What the transport reports about its traffic, for etcd's {@code etcd_network_peer_*} metrics:
 * raft message bytes per peer and the round trip of each stream handshake (dial until the peer's
 * {@code StreamAck}). Called on the transport's threads (peer writers, gRPC callbacks): must be
 * cheap and must not block.
 */
public interface PeerTraffic {
  /** Reports nothing. */
  PeerTraffic NONE =
      new PeerTraffic() {
        @Override
        public void sent(long to, long bytes) {}

        @Override
        public void received(long from, long bytes) {}

        @Override
        public void roundTrip(long to, long nanos) {}
      };

  /** {@code bytes} of raft messages written to the stream to peer {@code to}. */
  void sent(long to, long bytes);

  /** {@code bytes} of raft messages accepted from the stream of peer {@code from}. */
  void received(long from, long bytes);

  /** A stream handshake with peer {@code to} took {@code nanos}. */
  void roundTrip(long to, long nanos);
}
