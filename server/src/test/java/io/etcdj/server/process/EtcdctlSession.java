package io.etcdj.server.process;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A scripted etcdctl session, parsed from a text file.
 *
 * <p>Format: {@code === name [server flags...]} starts a session, run on a fresh server started with those flags.
 * Every other non-blank line not starting with {@code #} is one etcdctl command line (global flags such as {@code -w}
 * included, {@code --endpoints} added by the runner), split on spaces with {@code '...'} and {@code "..."} quoting
 * ({@code \"} and {@code \\} inside double quotes). A line ending in {@code <<EOF} feeds the following lines, up to a
 * line {@code EOF}, to the command's stdin; blank lines inside are kept (etcdctl txn needs them). A token
 * {@code ${repeat:C:N}} expands to the character C repeated N times.
 */
record EtcdctlSession(String name, List<String> serverFlags, List<Command> commands) {

  /** One etcdctl run: its arguments and, if any, its stdin. */
  record Command(int line, List<String> args, String stdin) {
    /** The command as shown in transcripts; long arguments are abbreviated so diffs stay readable. */
    String display() {
      StringBuilder sb = new StringBuilder("$ etcdctl");
      for (String a : args) {
        sb.append(' ');
        String shown = a.length() > 40 ? a.substring(0, 12) + "...(" + a.length() + " chars)" : a;
        sb.append(shown.isEmpty() || shown.contains(" ") || shown.contains("\"") ? quote(shown) : shown);
      }
      if (stdin != null) {
        sb.append(" <<EOF\n");
        for (String line : stdin.substring(0, stdin.length() - 1).split("\n", -1)) {
          sb.append(line.length() > 60 ? line.substring(0, 30) + "...(" + line.length() + " chars)" : line).append('\n');
        }
        sb.append("EOF");
      }
      return sb.toString();
    }

    private static String quote(String s) {
      return "'" + s + "'";
    }
  }

  private static final Pattern REPEAT = Pattern.compile("\\$\\{repeat:(.):(\\d+)}");

  @Override
  public String toString() {
    return name;
  }

  static List<EtcdctlSession> load(String resource) {
    try (InputStream in = EtcdctlSession.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource " + resource);
      }
      return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<EtcdctlSession> parse(String text) {
    List<EtcdctlSession> sessions = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    String name = null;
    List<String> flags = List.of();
    List<Command> commands = new ArrayList<>();
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("#")) {
        continue;
      }
      if (trimmed.startsWith("===")) {
        if (name != null) {
          sessions.add(new EtcdctlSession(name, flags, List.copyOf(commands)));
        }
        List<String> header = tokenize(trimmed.substring(3), i + 1);
        if (header.isEmpty()) {
          throw new IllegalArgumentException("line " + (i + 1) + ": session without a name");
        }
        name = header.get(0);
        flags = List.copyOf(header.subList(1, header.size()));
        commands = new ArrayList<>();
        continue;
      }
      if (name == null) {
        throw new IllegalArgumentException("line " + (i + 1) + ": command before the first === session line");
      }
      String stdin = null;
      int commandLine = i + 1;
      if (trimmed.endsWith("<<EOF")) {
        trimmed = trimmed.substring(0, trimmed.length() - "<<EOF".length()).strip();
        StringBuilder sb = new StringBuilder();
        i++;
        while (i < lines.length && !lines[i].equals("EOF")) {
          sb.append(lines[i]).append('\n');
          i++;
        }
        if (i == lines.length) {
          throw new IllegalArgumentException("line " + commandLine + ": <<EOF without a closing EOF line");
        }
        stdin = expand(sb.toString());
      }
      commands.add(new Command(commandLine, tokenize(trimmed, commandLine), stdin));
    }
    if (name != null) {
      sessions.add(new EtcdctlSession(name, flags, List.copyOf(commands)));
    }
    return sessions;
  }

  static List<String> tokenize(String line, int lineNo) {
    List<String> tokens = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean inToken = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '\'' || c == '"') {
        int end = i + 1;
        while (end < line.length() && line.charAt(end) != c) {
          if (c == '"' && line.charAt(end) == '\\' && end + 1 < line.length()) {
            end++;
          }
          cur.append(line.charAt(end));
          end++;
        }
        if (end == line.length()) {
          throw new IllegalArgumentException("line " + lineNo + ": unterminated quote");
        }
        i = end;
        inToken = true;
      } else if (c == ' ' || c == '\t') {
        if (inToken) {
          tokens.add(expand(cur.toString()));
          cur.setLength(0);
          inToken = false;
        }
      } else {
        cur.append(c);
        inToken = true;
      }
    }
    if (inToken) {
      tokens.add(expand(cur.toString()));
    }
    return tokens;
  }

  private static String expand(String token) {
    Matcher m = REPEAT.matcher(token);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(sb, Matcher.quoteReplacement(m.group(1).repeat(Integer.parseInt(m.group(2)))));
    }
    m.appendTail(sb);
    return sb.toString();
  }
}
