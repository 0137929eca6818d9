package io.etcdj.server.process;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites etcdctl output so that two independent servers holding the same data print the same text.
 *
 * <p>Replaced: the server's ports, its cluster and member ids (decimal and hex, exact values only), raft term, raft
 * index, server version, db sizes, the {@code endpoint health} duration, the timestamp and random client id of
 * clientv3's retry warning, and the frames of a Go panic. Everything else, including revisions, versions of keys, error text and exit codes, is kept
 * so the comparison stays strict.
 */
final class EtcdctlNormalizer {

  private record Rule(Pattern pattern, String replacement) {}

  private static final List<Rule> RULES =
      List.of(
          // json: Status, MemberList and every ResponseHeader
          rule("\"raft_term\":\\d+", "\"raft_term\":<TERM>"),
          rule("\"raftTerm\":\\d+", "\"raftTerm\":<TERM>"),
          rule("\"raftIndex\":\\d+", "\"raftIndex\":<INDEX>"),
          rule("\"raftAppliedIndex\":\\d+", "\"raftAppliedIndex\":<INDEX>"),
          rule("\"dbSize\":\\d+", "\"dbSize\":<DB_SIZE>"),
          rule("\"dbSizeInUse\":\\d+", "\"dbSizeInUse\":<DB_SIZE>"),
          rule("\"version\":\"[^\"]*\"", "\"version\":\"<VERSION>\""),
          // -w fields
          rule("^\"RaftTerm\" : \\d+$", "\"RaftTerm\" : <TERM>"),
          rule("^\"RaftIndex\" : \\d+$", "\"RaftIndex\" : <INDEX>"),
          rule("^\"RaftAppliedIndex\" : \\d+$", "\"RaftAppliedIndex\" : <INDEX>"),
          rule("^\"DBSize\" : \\d+$", "\"DBSize\" : <DB_SIZE>"),
          rule("^\"DBSizeInUse\" : \\d+$", "\"DBSizeInUse\" : <DB_SIZE>"),
          rule("^\"Version\" : \"[^\"]*\"$", "\"Version\" : \"<VERSION>\""),
          // endpoint health, simple and json
          rule("took = \\S+", "took = <DURATION>"),
          rule("\"took\":\"[^\"]*\"", "\"took\":\"<DURATION>\""),
          rule("^\"Took\" : \\S+$", "\"Took\" : <DURATION>"),
          // clientv3 retry interceptor warnings on stderr
          rule("\"ts\":\"[^\"]*\"", "\"ts\":\"<TS>\""),
          // zap.NewProduction() lines (snapshot save/restore): epoch seconds as a float
          rule("\"ts\":\\d+(\\.\\d+)?", "\"ts\":<TS>"),
          rule("endpoint://client-[0-9a-f-]+/", "endpoint://client-<UUID>/"),
          // a Go panic's program counter (see GO_STACK for its frames)
          rule("pc=0x[0-9a-f]+\\]", "pc=<PC>]"));

  /**
   * The line after which a Go panic lists its goroutine's frames: argument words and offsets only one binary has, so the
   * frames are replaced by one placeholder (the panic text and exit code above them are compared).
   */
  private static final Pattern GO_STACK = Pattern.compile("^goroutine \\d+ \\[running\\]:$");

  /** Table columns, by header text, whose values differ between two healthy servers. */
  private static final Map<String, String> VOLATILE_COLUMNS =
      Map.of(
          "VERSION", "<VERSION>",
          "DB SIZE", "<DB_SIZE>",
          "RAFT TERM", "<TERM>",
          "RAFT INDEX", "<INDEX>",
          "RAFT APPLIED INDEX", "<INDEX>",
          "TOOK", "<DURATION>");

  /** Columns of the simple {@code endpoint status} line: endpoint, id, version, db size, leader, learner, term, index, applied. */
  private static final Map<Integer, String> STATUS_SIMPLE_COLUMNS =
      Map.of(2, "<VERSION>", 3, "<DB_SIZE>", 6, "<TERM>", 7, "<INDEX>", 8, "<INDEX>");

  private final List<Rule> serverRules;

  EtcdctlNormalizer(EtcdProcess server) {
    List<Rule> rules = new ArrayList<>();
    rules.add(literal("127.0.0.1:" + server.clientPort(), "127.0.0.1:<CLIENT_PORT>"));
    rules.add(literal("127.0.0.1:" + server.peerPort(), "127.0.0.1:<PEER_PORT>"));
    addId(rules, server.memberId(), "<MEMBER_ID>");
    addId(rules, server.clusterId(), "<CLUSTER_ID>");
    this.serverRules = List.copyOf(rules);
  }

  /**
   * For output about a whole cluster: member k's ports and id become {@code <CLIENT_PORT_k>}, {@code <PEER_PORT_k>},
   * {@code <MEMBER_ID_k>} (k from 1, in the cluster's member order), and the shared cluster id {@code <CLUSTER_ID>}.
   * Every member must have passed readiness so its ids are known.
   */
  EtcdctlNormalizer(List<EtcdProcess> members) {
    List<Rule> rules = new ArrayList<>();
    for (int i = 0; i < members.size(); i++) {
      EtcdProcess m = members.get(i);
      int k = i + 1;
      rules.add(literal("127.0.0.1:" + m.clientPort(), "127.0.0.1:<CLIENT_PORT_" + k + ">"));
      rules.add(literal("127.0.0.1:" + m.peerPort(), "127.0.0.1:<PEER_PORT_" + k + ">"));
      addId(rules, m.memberId(), "<MEMBER_ID_" + k + ">");
    }
    addId(rules, members.get(0).clusterId(), "<CLUSTER_ID>");
    this.serverRules = List.copyOf(rules);
  }

  private static void addId(List<Rule> rules, long id, String placeholder) {
    if (id == 0) {
      return;
    }
    rules.add(new Rule(Pattern.compile("\\b" + Long.toUnsignedString(id) + "\\b"), placeholder));
    rules.add(new Rule(Pattern.compile("\\b" + Long.toHexString(id) + "\\b"), placeholder));
  }

  private static Rule rule(String regex, String replacement) {
    return new Rule(Pattern.compile(regex), replacement);
  }

  private static Rule literal(String text, String replacement) {
    return new Rule(Pattern.compile(Pattern.quote(text)), replacement);
  }

  /**
   * {@code lease timetolive}: the seconds left, which depend on when the command ran, in each format (granted TTLs and
   * the -1 of an expired lease are kept).
   */
  private static final List<Rule> REMAINING_TTL =
      List.of(
          rule("remaining\\(\\d+s\\)", "remaining(<REMAINING>s)"),
          rule("\"ttl\":\\d+", "\"ttl\":<REMAINING>"),
          rule("^\"TTL\" : \\d+$", "\"TTL\" : <REMAINING>"));

  /** Normalizes one output stream of one command; {@code args} tell which output format it used. */
  List<String> normalize(List<String> args, String output) {
    boolean statusSimple = isEndpointStatus(args) && outputFormat(args).equals("simple");
    boolean timeToLive = args.contains("timetolive");
    List<String> result = new ArrayList<>();
    List<String> tableHeader = null;
    if (output.isEmpty()) {
      return result;
    }
    boolean finalNewline = output.endsWith("\n");
    String body = finalNewline ? output.substring(0, output.length() - 1) : output;
    for (String raw : body.split("\n", -1)) {
      String line = raw;
      for (Rule r : serverRules) {
        line = r.pattern.matcher(line).replaceAll(Matcher.quoteReplacement(r.replacement));
      }
      for (Rule r : RULES) {
        line = r.pattern.matcher(line).replaceAll(Matcher.quoteReplacement(r.replacement));
      }
      if (timeToLive) {
        for (Rule r : REMAINING_TTL) {
          line = r.pattern.matcher(line).replaceAll(Matcher.quoteReplacement(r.replacement));
        }
      }
      if (line.startsWith("+-") && line.endsWith("+")) {
        // Border widths follow cell widths, which follow the values normalized away.
        line = "+-+";
      } else if (line.startsWith("|") && line.endsWith("|")) {
        List<String> cells = tableCells(line);
        if (tableHeader == null) {
          tableHeader = cells;
        } else {
          for (int c = 0; c < cells.size() && c < tableHeader.size(); c++) {
            String placeholder = VOLATILE_COLUMNS.get(tableHeader.get(c));
            if (placeholder != null) {
              cells.set(c, placeholder);
            }
          }
        }
        line = "| " + String.join(" | ", cells) + " |";
      } else if (statusSimple && (line.startsWith("127.0.0.1:") || line.startsWith("http://127.0.0.1:"))) {
        String[] cols = line.split(", ", -1);
        for (Map.Entry<Integer, String> e : STATUS_SIMPLE_COLUMNS.entrySet()) {
          if (e.getKey() < cols.length) {
            cols[e.getKey()] = e.getValue();
          }
        }
        line = String.join(", ", cols);
      }
      result.add(line);
      if (GO_STACK.matcher(line).matches()) {
        result.add("<GO STACK>");
        return result;
      }
    }
    if (!finalNewline) {
      result.add("\\ no newline at end of output");
    }
    return result;
  }

  private static List<String> tableCells(String line) {
    String inner = line.substring(1, line.length() - 1);
    List<String> cells = new ArrayList<>();
    for (String cell : inner.split("\\|", -1)) {
      cells.add(cell.strip());
    }
    return cells;
  }

  private static boolean isEndpointStatus(List<String> args) {
    int i = args.indexOf("endpoint");
    return i >= 0 && i + 1 < args.size() && args.get(i + 1).equals("status");
  }

  static String outputFormat(List<String> args) {
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if ((a.equals("-w") || a.equals("--write-out")) && i + 1 < args.size()) {
        return args.get(i + 1);
      }
      if (a.startsWith("--write-out=")) {
        return a.substring("--write-out=".length());
      }
      if (a.startsWith("-w=")) {
        return a.substring(3);
      }
    }
    return "simple";
  }
}
