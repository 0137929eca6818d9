package io.etcdj.server.transport;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;

/** One member for tests: a transport, its handler and its peer server on 127.0.0.1. */
final class Node implements AutoCloseable {
  final long id;
  final TransportConfig config;
  final RecordingHandler handler = new RecordingHandler();
  /** Ids this node's cluster removed (its transport refuses their calls). */
  final java.util.Set<Long> removed = java.util.concurrent.ConcurrentHashMap.newKeySet();
  final Transport transport;
  private PeerServer server;
  private int port;

  private Node(long id, TransportConfig config, int port) throws IOException {
    this.id = id;
    this.config = config;
    this.transport = Transport.create(config, handler, removed::contains);
    this.server = PeerServer.start(config, List.of(listenUrl(port)), transport);
    this.port = server.addresses().get(0).getPort();
    transport.start();
  }

  static Node start(long clusterId, long id, Path dir) throws IOException {
    return start(clusterId, id, dir, b -> b);
  }

  static Node start(long clusterId, long id, Path dir, UnaryOperator<TransportConfig.Builder> tweak)
      throws IOException {
    TransportConfig config =
        tweak.apply(TransportConfig.builder(clusterId, id, dir.resolve("snap-" + id))).build();
    return new Node(id, config, 0);
  }

  /** A node listening on {@code port}, as a member restarted on its old peer URL. */
  static Node startOnPort(long clusterId, long id, Path dir, int port) throws IOException {
    return new Node(id, TransportConfig.builder(clusterId, id, dir.resolve("snap-" + id)).build(), port);
  }

  int port() {
    return port;
  }

  static URI listenUrl(int port) {
    return URI.create("http://127.0.0.1:" + port);
  }

  URI url() {
    return listenUrl(port);
  }

  /** Makes this node and {@code other} peers of each other. */
  void connect(Node other) {
    transport.addPeer(other.id, List.of(other.url()));
    other.transport.addPeer(id, List.of(url()));
  }

  void stopServer() {
    server.close();
    server = null;
  }

  /** A new server on the same port, serving the same transport. */
  void restartServer() throws IOException {
    server = PeerServer.start(config, List.of(listenUrl(port)), transport);
  }

  /** A new server on a free port; the old one is closed. */
  void moveServer() throws IOException {
    if (server != null) {
      server.close();
    }
    server = PeerServer.start(config, List.of(listenUrl(0)), transport);
    port = server.addresses().get(0).getPort();
  }

  @Override
  public void close() {
    transport.stop();
    if (server != null) {
      server.close();
    }
  }
}
