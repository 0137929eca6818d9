package io.etcdj.server.grpc;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One listening address of the client port. As etcd's {@code configureClientListeners}, URLs that
 * name the same address share one listener: {@code http://} and {@code https://} for the same
 * host and port make one port that serves both, told apart by the first byte.
 *
 * @param url the first URL listed for the address (its host and port, or its socket path)
 * @param secure whether an {@code https://} URL names it
 * @param cleartext whether an {@code http://} (or {@code unix://}) URL names it
 */
record ClientAddress(URI url, boolean secure, boolean cleartext) {

  /** host:port (a unix socket: host:port and path, etcd's u.Host + u.Path), as etcd logs it. */
  String address() {
    String hostPort = url.getHost() + ":" + url.getPort();
    return UnixSockets.isUnix(url) ? hostPort + (url.getPath() == null ? "" : url.getPath()) : hostPort;
  }

  static List<ClientAddress> group(List<URI> urls) {
    Map<String, ClientAddress> out = new LinkedHashMap<>();
    for (URI u : urls) {
      boolean secure = u.getScheme().equals("https");
      ClientAddress a = new ClientAddress(u, secure, !secure);
      out.merge(a.address(), a, (old, add) -> new ClientAddress(old.url(), old.secure() || add.secure(), old.cleartext() || add.cleartext()));
    }
    return new ArrayList<>(out.values());
  }
}
