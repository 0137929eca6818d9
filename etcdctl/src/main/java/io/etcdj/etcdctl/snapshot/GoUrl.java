package io.etcdj.etcdctl.snapshot;

import java.util.Locale;

/**
 * The parts of Go's {@code net/url.Parse} that etcd's peer URL checks (pkg/types {@code NewURLs})
 * depend on: scheme, host and path, with url.Parse's error texts for the malformed inputs people
 * type ({@code parse "x": missing protocol scheme}, {@code first path segment in URL cannot contain
 * colon}, {@code missing ']' in host}).
 */
record GoUrl(String scheme, String host, String path, String opaque) {

  static GoUrl parse(String raw) {
    String rest = raw;
    int hash = rest.indexOf('#');
    if (hash >= 0) {
      rest = rest.substring(0, hash);
    }
    String scheme = "";
    int colon = schemeEnd(rest);
    if (colon == 0) {
      throw error(raw, "missing protocol scheme");
    }
    if (colon > 0) {
      scheme = rest.substring(0, colon).toLowerCase(Locale.ROOT);
      rest = rest.substring(colon + 1);
    }
    int q = rest.indexOf('?');
    if (q >= 0) {
      rest = rest.substring(0, q);
    }
    if (!scheme.isEmpty() && !rest.startsWith("/")) {
      return new GoUrl(scheme, "", "", rest);
    }
    if (scheme.isEmpty()) {
      int slash = rest.indexOf('/');
      String seg = slash < 0 ? rest : rest.substring(0, slash);
      if (seg.contains(":")) {
        throw error(raw, "first path segment in URL cannot contain colon");
      }
    }
    String host = "";
    if (rest.startsWith("//")) {
      String authority = rest.substring(2);
      int slash = authority.indexOf('/');
      rest = slash < 0 ? "" : authority.substring(slash);
      authority = slash < 0 ? authority : authority.substring(0, slash);
      int at = authority.lastIndexOf('@');
      host = at < 0 ? authority : authority.substring(at + 1);
      if (host.startsWith("[") && host.indexOf(']') < 0) {
        throw error(raw, "missing ']' in host");
      }
    }
    return new GoUrl(scheme, host, rest, "");
  }

  /** Index of the colon ending a valid scheme, 0 for a leading colon, -1 for no scheme (getScheme). */
  private static int schemeEnd(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isLetter(c) && c < 0x80) {
        continue;
      }
      if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
        if (i == 0) {
          return -1;
        }
        continue;
      }
      if (c == ':') {
        return i;
      }
      return -1;
    }
    return -1;
  }

  private static IllegalArgumentException error(String raw, String why) {
    return new IllegalArgumentException("parse " + io.etcdj.etcdctl.cli.GoQuote.quote(raw) + ": " + why);
  }

  /** net.SplitHostPort succeeds: "host:port" or "[v6]:port", one colon outside brackets. */
  boolean hasHostPort() {
    String h = host;
    if (h.startsWith("[")) {
      int end = h.indexOf(']');
      return end > 0 && h.length() > end + 1 && h.charAt(end + 1) == ':' && h.indexOf(':', end + 2) < 0 && h.indexOf('[', 1) < 0;
    }
    int c = h.lastIndexOf(':');
    return c >= 0 && h.indexOf(':') == c && h.indexOf(']') < 0;
  }

  /** u.String() for the URL shapes NewURLs lets through. */
  @Override
  public String toString() {
    if (!opaque.isEmpty()) {
      return scheme + ":" + opaque;
    }
    return scheme + "://" + host + path;
  }
}
