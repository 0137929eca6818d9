package io.etcdj.server.process;

import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.TextFormat;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a lock or election scenario saw, normalised so that two servers can be compared: member,
 * cluster and term ids dropped, revisions written relative to the store's revision when the
 * scenario started, and lease ids (in {@code lease}/{@code ID} fields and as the hex tail of
 * ownership keys) replaced by L1, L2, ... in order of first appearance. Confined to the test
 * thread.
 */
final class RecipeTranscript {
  private static final Pattern IDS = Pattern.compile(" ?(cluster_id|member_id|raft_term): \\d+");
  private static final Pattern REVISIONS = Pattern.compile("\\b(revision|create_revision|mod_revision|rev): (\\d+)");
  private static final Pattern LEASES = Pattern.compile("\\b(lease|ID): (-?\\d+)");
  /** An ownership key's tail: {@code /<lease hex>} at the end of a quoted key. */
  private static final Pattern KEY_LEASE = Pattern.compile("/(-?[0-9a-f]{1,16})\"");

  private final long baseRevision;
  private final Map<Long, String> leases = new HashMap<>();
  private final List<String> lines = new ArrayList<>();

  RecipeTranscript(long baseRevision) {
    this.baseRevision = baseRevision;
  }

  /** Registers a lease the scenario granted, so its label follows the order of the grants. */
  String lease(long id) {
    return leases.computeIfAbsent(id, k -> "L" + (leases.size() + 1));
  }

  void add(String step, MessageOrBuilder response) {
    lines.add(step + " -> " + normalise(TextFormat.printer().shortDebugString(response)));
  }

  void error(String step, Throwable t) {
    Status s = Status.fromThrowable(t);
    lines.add(step + " -> ERROR " + s.getCode() + " " + s.getDescription());
  }

  void note(String line) {
    lines.add(line);
  }

  String relative(long revision) {
    return "r+" + (revision - baseRevision);
  }

  String normalise(String text) {
    String t = IDS.matcher(text).replaceAll("");
    Matcher m = REVISIONS.matcher(t);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(sb, m.group(1) + ": " + relative(Long.parseLong(m.group(2))));
    }
    m.appendTail(sb);
    m = LEASES.matcher(sb.toString());
    sb = new StringBuilder();
    while (m.find()) {
      long id = Long.parseLong(m.group(2));
      m.appendReplacement(sb, m.group(1) + ": " + (id == 0 ? "0" : lease(id)));
    }
    m.appendTail(sb);
    m = KEY_LEASE.matcher(sb.toString());
    sb = new StringBuilder();
    while (m.find()) {
      String hex = m.group(1);
      long id = hex.startsWith("-") ? -Long.parseUnsignedLong(hex.substring(1), 16) : Long.parseUnsignedLong(hex, 16);
      m.appendReplacement(sb, "/<" + lease(id) + ">\"");
    }
    m.appendTail(sb);
    return sb.toString();
  }

  String text() {
    return String.join("\n", lines) + "\n";
  }
}
