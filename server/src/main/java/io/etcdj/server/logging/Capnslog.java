package io.etcdj.server.logging;

import java.util.List;
import java.util.Map;

/**
 * The slf4j key/value names that carry capnslog's wording of a line, and the capnslog package an
 * etcdj logger stands for. etcd 3.4 words many lifecycle lines differently in its two loggers
 * ("published local member to cluster through raft" with fields under zap, "published {Name:...}
 * to cluster ..." under capnslog); scripts grep for either, so both are kept.
 */
public final class Capnslog {
  /** The capnslog text of a line; zap leaves it out. */
  public static final String TEXT = "capnslog.text";

  /** A capnslog level letter for the line (etcd logs some lines at NOTICE, "N"). */
  public static final String LEVEL = "capnslog.level";

  /** The level letter capnslog uses for notices. */
  public static final String NOTICE = "N";

  /** Marks a line etcd prints only under capnslog ("ready to serve client requests"). */
  public static final String ONLY = "capnslog.only";

  /** The logger whose lines take the raft library's format ({@code raft2026/12/07 03:55:10 INFO: ...}). */
  public static final String RAFT_LOGGER = "raft";

  /** etcdj logger-name prefixes → etcd's capnslog package, most specific first. */
  private static final List<Map.Entry<String, String>> PACKAGES =
      List.of(
          Map.entry("io.etcdj.server.EtcdMain", "etcdmain"),
          Map.entry("io.etcdj.server.flags", "pkg/flags"),
          Map.entry("io.etcdj.server.embed", "embed"),
          Map.entry("io.etcdj.server.osutil", "pkg/osutil"),
          Map.entry("io.etcdj.server.api", "etcdserver/api"),
          Map.entry("io.etcdj.server.config", "etcdmain"),
          Map.entry("io.etcdj.server.grpc.ClientServer", "embed"),
          Map.entry("io.etcdj.server.grpc", "etcdserver/api/v3rpc"),
          Map.entry("io.etcdj.server.http", "etcdserver/api/etcdhttp"),
          Map.entry("io.etcdj.server.membership", "etcdserver/membership"),
          Map.entry("io.etcdj.server.transport", "rafthttp"),
          Map.entry("io.etcdj.server.lease", "lease"),
          Map.entry("io.etcdj.server", "etcdserver"),
          Map.entry("io.etcdj.storage.backend", "mvcc/backend"),
          Map.entry("io.etcdj.storage", "mvcc"),
          Map.entry("io.etcdj.watch", "mvcc"),
          Map.entry("io.etcdj.lease", "lease"),
          Map.entry("io.etcdj.raft.wal", "wal"),
          Map.entry("io.etcdj.raft", "raft"));

  private Capnslog() {}

  /** The capnslog package of a logger: etcd's name for etcdj's packages, else the last segment. */
  static String pkg(String loggerName) {
    for (Map.Entry<String, String> e : PACKAGES) {
      if (loggerName.startsWith(e.getKey())) {
        return e.getValue();
      }
    }
    int lastDot = loggerName.lastIndexOf('.');
    if (lastDot <= 0) {
      return loggerName;
    }
    String pkg = loggerName.substring(0, lastDot);
    return pkg.substring(pkg.lastIndexOf('.') + 1);
  }
}
