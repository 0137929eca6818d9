package io.etcdj.etcdctl.client;

import java.net.InetSocketAddress;

/** Parses etcdctl endpoints: {@code host:port}, {@code http://host:port}, {@code https://host:port}. */
public final class Endpoints {
  private Endpoints() {}

  /** An endpoint as dialled: where, and whether TLS was asked for by its scheme. */
  public record Target(String text, String host, int port, boolean https) {
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
    boolean https = false;
    if (s.startsWith("https://")) {
      https = true;
      s = s.substring("https://".length());
    } else if (s.startsWith("http://")) {
      s = s.substring("http://".length());
    }
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
    return new Target(ep, host.isEmpty() ? "localhost" : host, p, https);
  }
}
