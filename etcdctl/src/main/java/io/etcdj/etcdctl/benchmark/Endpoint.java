package io.etcdj.etcdctl.benchmark;

import java.util.ArrayList;
import java.util.List;

/** A plaintext gRPC endpoint, {@code host:port}; parsed from etcd's {@code --endpoints} forms. */
record Endpoint(String host, int port) {
  Endpoint {
    if (host == null || host.isEmpty()) {
      throw new IllegalArgumentException("empty host");
    }
    if (port <= 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
  }

  /**
   * Parses a comma-separated list. Each item may carry {@code http://} and a trailing slash;
   * {@code https://} is refused because this tool speaks plaintext only. IPv6 hosts go in brackets.
   */
  static List<Endpoint> parseList(String csv) {
    List<Endpoint> endpoints = new ArrayList<>();
    for (String item : csv.split(",", -1)) {
      String text = item.trim();
      if (!text.isEmpty()) {
        endpoints.add(parse(text));
      }
    }
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("no endpoints in '" + csv + "'");
    }
    return List.copyOf(endpoints);
  }

  static Endpoint parse(String text) {
    String rest = text;
    if (rest.startsWith("https://") || rest.startsWith("unixs://")) {
      throw new IllegalArgumentException("TLS endpoints are not supported: " + text);
    }
    if (rest.startsWith("http://")) {
      rest = rest.substring("http://".length());
    }
    while (rest.endsWith("/")) {
      rest = rest.substring(0, rest.length() - 1);
    }
    int colon = rest.lastIndexOf(':');
    if (colon <= 0 || colon == rest.length() - 1 || rest.indexOf('/') >= 0) {
      throw new IllegalArgumentException("expected host:port, got '" + text + "'");
    }
    String host = rest.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(rest.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad port in '" + text + "'");
    }
    return new Endpoint(host, port);
  }

  @Override
  public String toString() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
