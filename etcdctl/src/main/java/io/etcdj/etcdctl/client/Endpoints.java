package io.etcdj.etcdctl.client;

import java.net.InetSocketAddress;

/**
 * Parses etcdctl endpoints: {@code host:port}, {@code http://host:port}, {@code https://host:port}.
 * As clientv3's endpoint.ParseEndpoint, only text with {@code ://} has a scheme (lower-cased).
 */
public final class Endpoints {
  private Endpoints() {}

  /** An endpoint as dialled: where, and its scheme ("" when none), which picks its TLS. */
  public record Target(String text, String host, int port, String scheme) {
    public InetSocketAddress address() {
      return InetSocketAddress.createUnresolved(host, port);
    }

    /** The endpoint without its scheme, as grpc-go's target shows it. */
    public String hostPort() {
      return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }
  }

  public static Target parse(String ep) {
    String s = ep;
    String scheme = "";
    int sep = s.indexOf("://");
    if (sep > 0) {
      scheme = s.substring(0, sep).toLowerCase(java.util.Locale.ROOT);
      s = s.substring(sep + 3);
    }
    boolean https = scheme.equals("https");
    int slash = s.indexOf('/');
    if (slash >= 0) {
      s = s.substring(0, slash);
    }
    String host;
    String port;
    if (s.startsWith("[")) {
      int close = s.indexOf(']');
      host = s.substring(1, close);
      port = s.length() > close + 2 ? s.substring(close + 2) : "";
    } else {
      int colon = s.lastIndexOf(':');
      host = colon < 0 ? s : s.substring(0, colon);
      port = colon < 0 ? "" : s.substring(colon + 1);
    }
    int p;
    try {
      p = port.isEmpty() ? (https ? 443 : 80) : Integer.parseInt(port);
    } catch (NumberFormatException e) {
      p = -1;
    }
    return new Target(ep, host.isEmpty() ? "localhost" : host, p, scheme);
  }
}
