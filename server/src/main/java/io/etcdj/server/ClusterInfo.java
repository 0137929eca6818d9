package io.etcdj.server;

import io.etcdj.api.etcdserverpb.Member;
import io.etcdj.api.internal.MembersResponse;
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
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Function;

/**
 * This member's identity: member id and cluster id, and whether it joined an existing cluster.
 * Decided on the first start and kept in {@code member/cluster} afterwards, so a restart ignores
 * the initial-* flags as etcd does (etcd keeps the same facts in its WAL metadata).
 *
 * <p>A member of a new cluster derives both ids from {@code --initial-cluster} and {@code
 * --initial-cluster-token}. A member started with {@code --initial-cluster-state existing} asks
 * the other members listed in {@code --initial-cluster} for the cluster (etcd's {@code
 * GetClusterFromRemotePeers}), checks that the lists match by peer URLs ({@code
 * ValidateClusterAndAssignIDs}) and takes both ids from the running cluster.
 *
 * @param joined true when this member joined a running cluster: its log then starts empty and the
 *     leader sends it everything from index 1, instead of it writing bootstrap entries
 */
public record ClusterInfo(long memberId, long clusterId, boolean joined) {
  private static final String FILE = "cluster";
  /** The member list the apply loop saves ({@code Membership}), next to this file. */
  static final String MEMBERS_FILE = "members";

  /**
   * The identity and the members known before raft starts: the running cluster's members when
   * joining, the initial cluster for a new one, none after a restart (the saved list is used).
   */
  record Start(ClusterInfo info, List<Member> knownMembers) {}

  static Start loadOrCreate(
      ServerConfig config, Function<List<URI>, Optional<MembersResponse>> fetchMembers)
      throws IOException {
    Path file = config.memberDir().resolve(FILE);
    if (Files.exists(file)) {
      ClusterInfo info = load(file);
      List<Member> known = List.of();
      if (info.joined() && !Files.exists(config.memberDir().resolve(MEMBERS_FILE))) {
        // It joined but stopped before applying anything: ask again who its peers are, or it
        // would refuse the leader's stream as coming from an unknown member.
        known =
            fetchMembers
                .apply(remotePeerUrls(config))
                .map(MembersResponse::getMembersList)
                .orElse(List.of());
      }
      return new Start(info, known);
    }
    if (config.initialClusterError() != null) {
      throw new StartupException(config.initialClusterError());
    }
    List<Member> local = initialMembers(config);
    ClusterInfo info;
    List<Member> known;
    if (config.initialClusterState().equals("existing")) {
      MembersResponse remote =
          fetchMembers
              .apply(remotePeerUrls(config))
              .orElseThrow(
                  () ->
                      new StartupException(
                          "cannot fetch cluster info from peer urls: could not retrieve cluster"
                              + " information from the given URLs"));
      long self = validateAndAssignId(config.name(), local, remote);
      info = new ClusterInfo(self, remote.getClusterId(), true);
      known = remote.getMembersList();
    } else {
      List<Long> ids = new ArrayList<>();
      long self = 0;
      for (Member m : local) {
        ids.add(m.getID());
        if (m.getName().equals(config.name())) {
          self = m.getID();
        }
      }
      info = new ClusterInfo(self, MemberIds.clusterId(ids), false);
      known = local;
    }
    info.save(file, config.name(), config.initialCluster().get(config.name()));
    return new Start(info, known);
  }

  /** The members of {@code --initial-cluster} with the ids a new cluster gives them (named). */
  static List<Member> initialMembers(ServerConfig config) {
    List<Member> out = new ArrayList<>();
    for (Map.Entry<String, List<URI>> m : config.initialCluster().entrySet()) {
      out.add(
          Member.newBuilder()
              .setID(MemberIds.memberId(m.getValue(), config.initialClusterToken()))
              .setName(m.getKey())
              .addAllPeerURLs(m.getValue().stream().map(Object::toString).toList())
              .build());
    }
    return out;
  }

  /** etcd's getRemotePeerURLs: the peer URLs of every other initial member, sorted. */
  static List<URI> remotePeerUrls(ServerConfig config) {
    List<String> urls = new ArrayList<>();
    for (Map.Entry<String, List<URI>> m : config.initialCluster().entrySet()) {
      if (!m.getKey().equals(config.name())) {
        m.getValue().forEach(u -> urls.add(u.toString()));
      }
    }
    urls.sort(null);
    return urls.stream().map(URI::create).toList();
  }

  /**
   * etcd's ValidateClusterAndAssignIDs (3.4.23): the initial cluster and the running one must have
   * as many members, and each running member must match some initial member by peer URLs; this
   * member's id is the one of the running member matching its own entry. Fails with etcd's
   * message ("error validating peerURLs …").
   */
  static long validateAndAssignId(String selfName, List<Member> local, MembersResponse remote) {
    List<Member> existing = byId(remote.getMembersList());
    List<Member> mine = byId(local);
    if (existing.size() != mine.size()) {
      throw invalid(remote, "member count is unequal");
    }
    long self = 0;
    for (Member e : existing) {
      String lastMismatch = "";
      Member match = null;
      for (Member l : mine) {
        lastMismatch = urlMismatch(e.getPeerURLsList(), l.getPeerURLsList());
        if (lastMismatch == null) {
          match = l;
          break;
        }
      }
      if (match == null) {
        throw invalid(
            remote,
            "PeerURLs: no match found for existing member ("
                + MemberIds.hex(e.getID())
                + ", "
                + goList(e.getPeerURLsList())
                + "), last resolver error ("
                + lastMismatch
                + ")");
      }
      if (match.getName().equals(selfName)) {
        self = e.getID();
      }
    }
    if (self == 0) {
      // Unreachable with validated flags (the name is in the initial cluster), kept as a guard.
      throw invalid(remote, "no member matches this member's initial-cluster entry");
    }
    return self;
  }

  /** Null when the URL lists are equal as sets; else etcd's netutil.URLStringsEqual error text. */
  private static String urlMismatch(List<String> a, List<String> b) {
    if (a.size() != b.size()) {
      return "len(" + goQuoted(a) + ") != len(" + goQuoted(b) + ")";
    }
    List<String> sa = new ArrayList<>(a);
    List<String> sb = new ArrayList<>(b);
    sa.sort(null);
    sb.sort(null);
    for (int i = 0; i < sa.size(); i++) {
      if (!sa.get(i).equals(sb.get(i))) {
        return "resolved urls: \"" + sa.get(i) + "\" != \"" + sb.get(i) + "\"";
      }
    }
    return null;
  }

  private static StartupException invalid(MembersResponse remote, String why) {
    return new StartupException("error validating peerURLs " + goCluster(remote) + ": " + why);
  }

  /**
   * The running cluster as etcd's RaftCluster.String() prints it (etcd walks a map, so its member
   * order varies; here it is by id).
   */
  static String goCluster(MembersResponse remote) {
    StringBuilder b = new StringBuilder();
    b.append("{ClusterID:").append(MemberIds.hex(remote.getClusterId())).append(" Members:[");
    List<Member> members = byId(remote.getMembersList());
    for (int i = 0; i < members.size(); i++) {
      Member m = members.get(i);
      b.append(i == 0 ? "" : " ")
          .append("&{ID:")
          .append(MemberIds.hex(m.getID()))
          .append(" RaftAttributes:{PeerURLs:")
          .append(goList(m.getPeerURLsList()))
          .append(" IsLearner:")
          .append(m.getIsLearner())
          .append("} Attributes:{Name:")
          .append(m.getName())
          .append(" ClientURLs:")
          .append(goList(m.getClientURLsList()))
          .append("}}");
    }
    return b.append("] RemovedMemberIDs:[]}").toString();
  }

  private static String goList(List<String> items) {
    return "[" + String.join(" ", items) + "]";
  }

  private static String goQuoted(List<String> items) {
    List<String> q = new ArrayList<>();
    items.forEach(s -> q.add("\"" + s + "\""));
    return "[" + String.join(" ", q) + "]";
  }

  private static List<Member> byId(List<Member> members) {
    List<Member> out = new ArrayList<>(members);
    out.sort(Comparator.comparing(Member::getID, Long::compareUnsigned));
    return out;
  }

  private static ClusterInfo load(Path file) throws IOException {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    }
    return new ClusterInfo(
        Long.parseUnsignedLong(p.getProperty("member-id"), 16),
        Long.parseUnsignedLong(p.getProperty("cluster-id"), 16),
        // Files written before joining existed have no state: they all started a new cluster.
        p.getProperty("initial-cluster-state", "new").equals("existing"));
  }

  /** Writes the ids, with the name and peer URLs they were derived from (for people reading it). */
  private void save(Path file, String name, List<URI> peerUrls) throws IOException {
    Properties p = new Properties();
    p.setProperty("member-id", Long.toHexString(memberId));
    p.setProperty("cluster-id", Long.toHexString(clusterId));
    p.setProperty("initial-cluster-state", joined ? "existing" : "new");
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
    try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
      ch.force(true); // the ids must survive a power loss once anything depends on them
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    try (var ch = java.nio.channels.FileChannel.open(file.getParent(), java.nio.file.StandardOpenOption.READ)) {
      ch.force(true);
    }
  }
}
