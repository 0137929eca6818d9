package io.etcdj.server;

import io.etcdj.server.config.ServerConfig;
import io.etcdj.server.membership.MemberIds;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * This member's identity: member id, cluster id and URLs. Derived from the initial flags on the
 * first start and kept in {@code member/cluster} afterwards, so a restart ignores the initial-*
 * flags as etcd does (etcd keeps the same facts in its WAL metadata).
 */
public record ClusterInfo(long memberId, long clusterId) {
  private static final String FILE = "cluster";

  static ClusterInfo loadOrCreate(ServerConfig config) throws IOException {
    Path file = config.memberDir().resolve(FILE);
    if (Files.exists(file)) {
      return load(file, config);
    }
    List<Long> ids = new ArrayList<>();
    long self = 0;
    for (Map.Entry<String, List<URI>> m : config.initialCluster().entrySet()) {
      long id = MemberIds.memberId(m.getValue(), config.initialClusterToken());
      ids.add(id);
      if (m.getKey().equals(config.name())) {
        self = id;
      }
    }
    long clusterId = MemberIds.clusterId(ids);
    ClusterInfo info = new ClusterInfo(self, clusterId);
    info.save(file, config.name(), config.initialCluster().get(config.name()));
    return info;
  }

  private static ClusterInfo load(Path file, ServerConfig config) throws IOException {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    }
    return new ClusterInfo(
        Long.parseUnsignedLong(p.getProperty("member-id"), 16),
        Long.parseUnsignedLong(p.getProperty("cluster-id"), 16));
  }

  /** Writes the ids, with the name and peer URLs they were derived from (for people reading it). */
  private void save(Path file, String name, List<URI> peerUrls) throws IOException {
    Properties p = new Properties();
    p.setProperty("member-id", Long.toHexString(memberId));
    p.setProperty("cluster-id", Long.toHexString(clusterId));
    p.setProperty("name", name);
    List<String> peers = new ArrayList<>();
    for (URI u : peerUrls) {
      peers.add(u.toString());
    }
    p.setProperty("peer-urls", String.join(",", peers));
    Path tmp = file.resolveSibling(FILE + ".tmp");
    try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      p.store(w, "etcdj member identity");
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
