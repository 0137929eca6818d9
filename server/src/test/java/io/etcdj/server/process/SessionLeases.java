package io.etcdj.server.process;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The leases a golden session granted, so that a session can name them and transcripts can mask them: a lease id
 * holds the server's clock, so two fresh servers never grant the same one.
 *
 * <p>After each {@code lease grant} the granted id is read from its output (simple, json or fields), and after a simple
 * {@code lease list} the ids it shows for the first time (a grant whose printer failed); a token
 * {@code ${lease:N}} in a later command line or its stdin stands for the N-th granted id in hex, and every spelling of
 * a granted id in the output (16-digit and short hex, decimal) reads {@code <LEASE_N>}. Ids the session did not grant
 * (a made-up {@code 1234}) are kept as they are.
 */
final class SessionLeases {
  private static final Pattern TOKEN = Pattern.compile("\\$\\{lease:(\\d+)}");
  private static final Pattern SIMPLE = Pattern.compile("^lease ([0-9a-f]+) granted with TTL", Pattern.MULTILINE);
  private static final Pattern JSON = Pattern.compile("\"ID\":(\\d+)");
  private static final Pattern LISTED = Pattern.compile("^([0-9a-f]{16})$", Pattern.MULTILINE);
  private static final Pattern FIELDS = Pattern.compile("^\"ID\" : (\\d+)$", Pattern.MULTILINE);

  private final List<Long> ids = new ArrayList<>();
  private final List<Pattern> masks = new ArrayList<>();

  /** The command's arguments with {@code ${lease:N}} replaced. */
  List<String> expand(List<String> args) {
    List<String> out = new ArrayList<>(args.size());
    for (String a : args) {
      out.add(expand(a));
    }
    return out;
  }

  String expand(String text) {
    if (text == null) {
      return null;
    }
    Matcher m = TOKEN.matcher(text);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      int n = Integer.parseInt(m.group(1));
      if (n < 1 || n > ids.size()) {
        throw new IllegalArgumentException("${lease:" + n + "} but the session granted " + ids.size() + " leases so far");
      }
      m.appendReplacement(sb, Long.toHexString(ids.get(n - 1)));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  /**
   * Remembers the lease a {@code lease grant} command printed, if it printed one, and the leases a simple
   * {@code lease list} shows for the first time (granted by a grant whose printer failed), in list order.
   */
  void record(List<String> args, String stdout) {
    int i = args.indexOf("lease");
    if (i < 0 || i + 1 >= args.size()) {
      return;
    }
    if (args.get(i + 1).equals("list")) {
      Matcher m = LISTED.matcher(stdout);
      while (m.find()) {
        add(Long.parseUnsignedLong(m.group(1), 16));
      }
      return;
    }
    if (!args.get(i + 1).equals("grant")) {
      return;
    }
    Matcher m = SIMPLE.matcher(stdout);
    if (m.find()) {
      add(Long.parseUnsignedLong(m.group(1), 16));
    } else if ((m = JSON.matcher(stdout)).find() || (m = FIELDS.matcher(stdout)).find()) {
      add(Long.parseLong(m.group(1)));
    }
  }

  private void add(long id) {
    if (ids.contains(id)) {
      return;
    }
    ids.add(id);
    String hex = Long.toHexString(id);
    String padded = String.format(Locale.ROOT, "%016x", id);
    masks.add(Pattern.compile("\\b(" + padded + "|" + hex + "|" + Long.toString(id) + ")\\b"));
  }

  /** The lines with every granted id replaced by its placeholder. */
  List<String> mask(List<String> lines) {
    List<String> out = new ArrayList<>(lines.size());
    for (String line : lines) {
      for (int i = 0; i < masks.size(); i++) {
        line = masks.get(i).matcher(line).replaceAll("<LEASE_" + (i + 1) + ">");
      }
      out.add(line);
    }
    return out;
  }
}
