package io.etcdj.etcdctl.command;

import io.etcdj.etcdctl.cli.GoQuote;
import java.util.List;

/**
 * clientv3's check of the peer URLs of {@code member add} and {@code member update} before it sends
 * them (pkg/types NewURLs): each trimmed URL must parse with Go's {@code net/url}, have scheme http,
 * https, unix or unixs, a {@code host:port} and no path. The texts are Go's, since etcdctl prints the
 * error as it is. The parse follows net/url's {@code Parse} for what a peer URL can contain.
 */
final class PeerUrls {
  private PeerUrls() {}

  /** Returns the first problem as Go words it, or null when all URLs are acceptable. */
  static String check(List<String> urls) {
    if (urls.isEmpty()) {
      return "no valid URLs given";
    }
    for (String raw : urls) {
      String in = raw.strip();
      Parsed u;
      try {
        u = parse(in);
      } catch (IllegalArgumentException e) {
        return e.getMessage();
      }
      if (!List.of("http", "https", "unix", "unixs").contains(u.scheme)) {
        return "URL scheme must be http, https, unix, or unixs: " + in;
      }
      if (!splitsHostPort(u.host)) {
        return "URL address does not have the form \"host:port\": " + in;
      }
      if (!u.path.isEmpty()) {
        return "URL must not contain a path: " + in;
      }
    }
    return null;
  }

  private record Parsed(String scheme, String host, String path) {}

  /** net/url.Parse, failing with its {@code parse "<url>": <reason>} text. */
  static Parsed parse(String rawUrl) {
    int hash = rawUrl.indexOf('#');
    String u = hash < 0 ? rawUrl : rawUrl.substring(0, hash);
    try {
      return parseNoFragment(u);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("parse " + GoQuote.quote(u) + ": " + e.getMessage());
    }
  }

  private static Parsed parseNoFragment(String raw) {
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        throw new IllegalArgumentException("net/url: invalid control character in URL");
      }
    }
    String scheme = "";
    String rest = raw;
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (Character.isLetter(c) && c < 0x80) {
        continue;
      }
      if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
        if (i == 0) {
          break;
        }
        continue;
      }
      if (c == ':') {
        if (i == 0) {
          throw new IllegalArgumentException("missing protocol scheme");
        }
        scheme = raw.substring(0, i).toLowerCase(java.util.Locale.ROOT);
        rest = raw.substring(i + 1);
      }
      break;
    }
    int q = rest.indexOf('?');
    if (q >= 0) {
      rest = rest.substring(0, q);
    }
    if (!rest.startsWith("/")) {
      if (!scheme.isEmpty()) {
        return new Parsed(scheme, "", ""); // opaque, as "mailto:x"
      }
      int slash = rest.indexOf('/');
      String segment = slash < 0 ? rest : rest.substring(0, slash);
      if (segment.contains(":")) {
        throw new IllegalArgumentException("first path segment in URL cannot contain colon");
      }
    }
    String host = "";
    if ((!scheme.isEmpty() || !rest.startsWith("///")) && rest.startsWith("//")) {
      String authority = rest.substring(2);
      rest = "";
      int slash = authority.indexOf('/');
      if (slash >= 0) {
        rest = authority.substring(slash);
        authority = authority.substring(0, slash);
      }
      host = parseAuthority(authority);
    }
    checkEscapes(rest);
    return new Parsed(scheme, host, rest);
  }

  private static String parseAuthority(String authority) {
    int at = authority.lastIndexOf('@');
    String host = parseHost(at < 0 ? authority : authority.substring(at + 1));
    if (at >= 0) {
      String userinfo = authority.substring(0, at);
      for (int i = 0; i < userinfo.length(); i++) {
        char c = userinfo.charAt(i);
        if (!(Character.isLetterOrDigit(c) && c < 0x80) && "-._:~!$&'()*+,;=%@".indexOf(c) < 0) {
          throw new IllegalArgumentException("net/url: invalid userinfo");
        }
      }
    }
    return host;
  }

  private static String parseHost(String host) {
    if (host.startsWith("[")) {
      int close = host.lastIndexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException("missing ']' in host");
      }
      checkPort(host.substring(close + 1));
    } else {
      int colon = host.lastIndexOf(':');
      if (colon >= 0) {
        checkPort(host.substring(colon));
      }
    }
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (c == '%') {
        checkEscapes(host.substring(i, Math.min(host.length(), i + 3)));
        i += 2;
        continue;
      }
      boolean ok = (Character.isLetterOrDigit(c) && c < 0x80) || "!$&'()*+,;=:[]<>\"-_.~".indexOf(c) >= 0 || c >= 0x80;
      if (!ok) {
        throw new IllegalArgumentException("invalid character " + GoQuote.quote(String.valueOf(c)) + " in host name");
      }
    }
    return host;
  }

  private static void checkPort(String colonPort) {
    boolean ok = colonPort.isEmpty() || colonPort.startsWith(":");
    for (int i = 1; ok && i < colonPort.length(); i++) {
      ok = colonPort.charAt(i) >= '0' && colonPort.charAt(i) <= '9';
    }
    if (!ok) {
      throw new IllegalArgumentException("invalid port " + GoQuote.quote(colonPort) + " after host");
    }
  }

  /** A '%' must start two hex digits (net/url's unescape). */
  private static void checkEscapes(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) != '%') {
        continue;
      }
      boolean ok =
          i + 2 < s.length()
              && Character.digit(s.charAt(i + 1), 16) >= 0
              && Character.digit(s.charAt(i + 2), 16) >= 0;
      if (!ok) {
        String bad = s.substring(i, Math.min(s.length(), i + 3));
        throw new IllegalArgumentException("invalid URL escape " + GoQuote.quote(bad));
      }
      i += 2;
    }
  }

  /** Whether Go's net.SplitHostPort accepts the host. */
  static boolean splitsHostPort(String hostport) {
    int colon = hostport.lastIndexOf(':');
    if (colon < 0) {
      return false;
    }
    int j = 0;
    int k = 0;
    if (hostport.startsWith("[")) {
      int end = hostport.indexOf(']');
      if (end < 0 || end + 1 == hostport.length() || end + 1 != colon) {
        return false;
      }
      j = 1;
      k = end + 1;
    } else if (hostport.substring(0, colon).indexOf(':') >= 0) {
      return false;
    }
    return hostport.indexOf('[', j) < 0 && hostport.indexOf(']', k) < 0;
  }
}
