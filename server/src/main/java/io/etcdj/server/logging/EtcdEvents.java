package io.etcdj.server.logging;

import io.etcdj.server.config.ServerConfig;
import java.net.URI;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The life-cycle lines etcd 3.4 logs and operators' scripts wait for, in etcd's words for both of
 * its loggers: zap's message and fields, and capnslog's text. Each is logged once, at the moment
 * etcd logs it. The loggers are named after etcd's packages so capnslog prints etcd's package
 * names; this class is one of logback's "framework packages", so zap's caller is the code that called.
 */
public final class EtcdEvents {
  private static final Logger ETCDMAIN = LoggerFactory.getLogger("io.etcdj.server.EtcdMain");
  private static final Logger EMBED = LoggerFactory.getLogger("io.etcdj.server.embed");
  private static final Logger SERVER = LoggerFactory.getLogger("io.etcdj.server.EtcdServer");
  private static final Logger MEMBERSHIP = LoggerFactory.getLogger("io.etcdj.server.membership");
  private static final Logger API = LoggerFactory.getLogger("io.etcdj.server.api");
  private static final Logger OSUTIL = LoggerFactory.getLogger("io.etcdj.server.osutil");
  private static final Logger FLAGS = LoggerFactory.getLogger("io.etcdj.server.flags");

  /** The cluster version etcdj runs (etcd 3.4's). */
  public static final String CLUSTER_VERSION = "3.4";

  private EtcdEvents() {}

  /**
   * pkg/flags' report on the {@code ETCD_*} variables: the ones it used, then the ones that name no
   * flag. Not called with a config file: etcd then reads no variable and says nothing about them.
   */
  public static void environmentVariables(List<String> recognized, List<String> unrecognized) {
    recognized.forEach(FLAGS::info);
    unrecognized.forEach(FLAGS::warn);
  }

  /** etcdmain read --config-file and ignores the other flags and variables. */
  public static void loadedConfigFile(String path) {
    ETCDMAIN
        .atInfo()
        .setMessage(
            "loaded server configuration, other configuration command line flags and environment variables will be"
                + " ignored if provided")
        .addKeyValue("path", path)
        .addKeyValue(Capnslog.TEXT, loadingConfigFileText(path))
        .log();
  }

  /** capnslog's wording of {@link #loadedConfigFile}, also printed before a config file's error. */
  public static String loadingConfigFileText(String path) {
    return "Loading server configuration from \"" + path + "\". Other configuration command line flags and"
        + " environment variables will be ignored if provided.";
  }

  /** embed's "starting an etcd server", with the configuration in force. */
  public static void startingEtcd(ServerConfig c, String version, boolean memberInitialized) {
    ETCDMAIN
        .atInfo()
        .setMessage("starting an etcd server")
        .addKeyValue("etcd-version", version)
        .addKeyValue("java-version", System.getProperty("java.version"))
        .addKeyValue("max-cpu-available", Runtime.getRuntime().availableProcessors())
        .addKeyValue("member-initialized", memberInitialized)
        .addKeyValue("name", c.name())
        .addKeyValue("data-dir", c.dataDir().toString())
        .addKeyValue("member-dir", c.memberDir().toString())
        .addKeyValue("heartbeat-interval", c.heartbeatIntervalMs() + "ms")
        .addKeyValue("election-timeout", c.electionTimeoutMs() + "ms")
        .addKeyValue("initial-election-tick-advance", c.initialElectionTickAdvance())
        .addKeyValue("snapshot-count", c.snapshotCount())
        .addKeyValue("snapshot-catchup-entries", c.snapshotCatchUpEntries())
        .addKeyValue("initial-advertise-peer-urls", strings(c.initialAdvertisePeerUrls()))
        .addKeyValue("listen-peer-urls", strings(c.listenPeerUrls()))
        .addKeyValue("advertise-client-urls", strings(c.advertiseClientUrls()))
        .addKeyValue("listen-client-urls", strings(c.listenClientUrls()))
        .addKeyValue("initial-cluster-state", c.initialClusterState())
        .addKeyValue("initial-cluster-token", c.initialClusterToken())
        .addKeyValue("quota-backend-bytes", c.effectiveQuotaBytes())
        .addKeyValue("max-request-bytes", c.maxRequestBytes())
        .addKeyValue(Capnslog.TEXT, "etcd Version: " + version)
        .log();
    EMBED
        .atInfo()
        .setMessage("name = " + c.name() + ", data dir = " + c.dataDir())
        .addKeyValue(Capnslog.ONLY, true)
        .log();
  }

  /** etcdserver's "starting etcd server" (capnslog: "starting server... [version: ...]"). */
  public static void startingServer(long memberId, String version) {
    SERVER
        .atInfo()
        .setMessage("starting etcd server")
        .addKeyValue("local-member-id", hex(memberId))
        .addKeyValue("local-server-version", version)
        .addKeyValue("cluster-version", "to_be_decided")
        .addKeyValue(
            Capnslog.TEXT,
            "starting server... [version: " + version + ", cluster version: to_be_decided]")
        .log();
  }

  /** This member's name and client URLs went through raft (etcdserver's publish). */
  public static void published(long memberId, String name, List<URI> clientUrls, long clusterId) {
    String attributes = "{Name:" + name + " ClientURLs:[" + String.join(" ", strings(clientUrls)) + "]}";
    SERVER
        .atInfo()
        .setMessage("published local member to cluster through raft")
        .addKeyValue("local-member-id", hex(memberId))
        .addKeyValue("local-member-attributes", attributes)
        .addKeyValue("request-path", "/0/members/" + hex(memberId) + "/attributes")
        .addKeyValue("cluster-id", hex(clusterId))
        .addKeyValue("publish-timeout", "7s")
        .addKeyValue(Capnslog.TEXT, "published " + attributes + " to cluster " + hex(clusterId))
        .log();
  }

  /** The first leader of a new cluster proposes the cluster version. */
  public static void settingUpClusterVersion() {
    SERVER
        .atInfo()
        .setMessage("setting up initial cluster version")
        .addKeyValue("cluster-version", CLUSTER_VERSION)
        .addKeyValue(Capnslog.TEXT, "setting up the initial cluster version to " + CLUSTER_VERSION)
        .log();
  }

  /** The cluster version entry was applied: etcd's three lines about it. */
  public static void clusterVersionSet(long clusterId, long memberId) {
    MEMBERSHIP
        .atInfo()
        .setMessage("set initial cluster version")
        .addKeyValue("cluster-id", hex(clusterId))
        .addKeyValue("local-member-id", hex(memberId))
        .addKeyValue("cluster-version", CLUSTER_VERSION)
        .addKeyValue(Capnslog.TEXT, "set the initial cluster version to " + CLUSTER_VERSION)
        .addKeyValue(Capnslog.LEVEL, Capnslog.NOTICE)
        .log();
    API.atInfo()
        .setMessage("enabled capabilities for version")
        .addKeyValue("cluster-version", CLUSTER_VERSION)
        .addKeyValue(Capnslog.TEXT, "enabled capabilities for version " + CLUSTER_VERSION)
        .log();
    SERVER
        .atInfo()
        .setMessage("cluster version is updated")
        .addKeyValue("cluster-version", CLUSTER_VERSION)
        .addKeyValue(Capnslog.TEXT, "cluster version is updated to " + CLUSTER_VERSION)
        .log();
  }

  /** A conf change added a member (membership's "added member"). */
  public static void memberAdded(long clusterId, long localId, long addedId, List<String> peerUrls) {
    MEMBERSHIP
        .atInfo()
        .setMessage("added member")
        .addKeyValue("cluster-id", hex(clusterId))
        .addKeyValue("local-member-id", hex(localId))
        .addKeyValue("added-peer-id", hex(addedId))
        .addKeyValue("added-peer-peer-urls", peerUrls)
        .addKeyValue(
            Capnslog.TEXT,
            "added member " + hex(addedId) + " " + peerUrls.toString().replace(", ", " ")
                + " to cluster " + hex(clusterId))
        .log();
  }

  /** A conf change removed a member (membership's "removed member"). */
  public static void memberRemoved(long clusterId, long localId, long removedId) {
    MEMBERSHIP
        .atInfo()
        .setMessage("removed member")
        .addKeyValue("cluster-id", hex(clusterId))
        .addKeyValue("local-member-id", hex(localId))
        .addKeyValue("removed-remote-peer-id", hex(removedId))
        .addKeyValue(Capnslog.TEXT, "removed member " + hex(removedId) + " from cluster " + hex(clusterId))
        .log();
  }

  /** The peer listener is up. */
  public static void servingPeers(String address) {
    EMBED
        .atInfo()
        .setMessage("serving peer traffic")
        .addKeyValue("address", address)
        .addKeyValue(Capnslog.TEXT, "listening for peers on " + address)
        .log();
  }

  /** A client listener serves plain-text gRPC and HTTP (embed/serve.go's lines). */
  /** embed's "serving client traffic securely" for a client address that serves TLS. */
  public static void servingClientsSecurely(String address) {
    EMBED.atInfo().setMessage("ready to serve client requests").addKeyValue(Capnslog.ONLY, true).log();
    EMBED
        .atInfo()
        .setMessage("serving client traffic securely")
        .addKeyValue("address", address)
        .addKeyValue(Capnslog.TEXT, "serving client requests on " + address)
        .log();
  }

  /** embed's "starting with client TLS", once, when client TLS files are given. */
  public static void startingWithClientTls(String tlsInfo, List<String> cipherSuites) {
    EMBED
        .atInfo()
        .setMessage("starting with client TLS")
        .addKeyValue("tls-info", tlsInfo)
        .addKeyValue("cipher-suites", cipherSuites)
        .addKeyValue(Capnslog.TEXT, "ClientTLS: " + tlsInfo)
        .log();
  }

  /** embed's warnings for an http:// client URL while TLS files or client-cert-auth are set. */
  public static void clientUrlIgnoresTls(String url, boolean files, boolean clientCertAuth) {
    httpUrlIgnoresTls("client", "", url, files, clientCertAuth);
  }

  /** embed's warnings for an http:// peer URL while peer TLS files or peer-client-cert-auth are set. */
  public static void peerUrlIgnoresTls(String url, boolean files, boolean clientCertAuth) {
    httpUrlIgnoresTls("peer", "peer-", url, files, clientCertAuth);
  }

  /** {@code side} is "client" or "peer"; etcd words the two sides' lines alike (even "peer key/cert" for clients). */
  private static void httpUrlIgnoresTls(String side, String flagPrefix, String url, boolean files, boolean clientCertAuth) {
    if (files) {
      EMBED
          .atWarn()
          .setMessage("scheme is HTTP while key and cert files are present; ignoring key and cert files")
          .addKeyValue(side + "-url", url)
          .addKeyValue(
              Capnslog.TEXT,
              "The scheme of " + side + " url " + url + " is HTTP while peer key/cert files are presented. Ignored "
                  + (side.equals("peer") ? "peer " : "") + "key/cert files.")
          .log();
    }
    if (clientCertAuth) {
      EMBED
          .atWarn()
          .setMessage("scheme is HTTP while --" + flagPrefix + "client-cert-auth is enabled; ignoring client cert auth for this URL")
          .addKeyValue(side + "-url", url)
          .addKeyValue(
              Capnslog.TEXT,
              "The scheme of " + side + " url " + url + " is HTTP while client cert auth (--" + flagPrefix
                  + "client-cert-auth) is enabled. Ignored client cert auth for this url.")
          .log();
    }
  }

  /** embed's "starting with peer TLS", once, when peer TLS files are given. */
  public static void startingWithPeerTls(String tlsInfo, List<String> cipherSuites) {
    EMBED
        .atInfo()
        .setMessage("starting with peer TLS")
        .addKeyValue("tls-info", tlsInfo)
        .addKeyValue("cipher-suites", cipherSuites)
        .addKeyValue(Capnslog.TEXT, "peerTLS: " + tlsInfo)
        .log();
  }

  /** A TLS connection refused in its handshake or its CRL check (zap warns, capnslog informs). */
  public static void rejectedConnection(String remote, String error) {
    EMBED
        .atWarn()
        .setMessage("rejected connection")
        .addKeyValue("remote-addr", remote)
        .addKeyValue("server-name", "")
        .addKeyValue("error", error)
        .addKeyValue(Capnslog.LEVEL, "I")
        .addKeyValue(
            Capnslog.TEXT,
            "rejected connection from \"" + remote + "\" (error \"" + error + "\", ServerName \"\")")
        .log();
  }

  public static void servingClientsInsecurely(String address) {
    EMBED.atInfo().setMessage("ready to serve client requests").addKeyValue(Capnslog.ONLY, true).log();
    EMBED
        .atInfo()
        .setMessage("serving client traffic insecurely; this is strongly discouraged!")
        .addKeyValue("address", address)
        .addKeyValue(
            Capnslog.TEXT,
            "serving insecure client requests on " + address + ", this is strongly discouraged!")
        .addKeyValue(Capnslog.LEVEL, Capnslog.NOTICE)
        .log();
  }

  /** SIGTERM or SIGINT (osutil's handler); {@code signal} is Go's name, e.g. "terminated". */
  public static void receivedSignal(String signal) {
    OSUTIL
        .atInfo()
        .setMessage("received signal; shutting down")
        .addKeyValue("signal", signal)
        .addKeyValue(Capnslog.TEXT, "received " + signal + " signal, shutting down...")
        .addKeyValue(Capnslog.LEVEL, Capnslog.NOTICE)
        .log();
  }

  /** The server stops ("closing etcd server") or has stopped ("closed etcd server"). */
  public static void closing(ServerConfig c, boolean done) {
    EMBED
        .atInfo()
        .setMessage(done ? "closed etcd server" : "closing etcd server")
        .addKeyValue("name", c.name())
        .addKeyValue("data-dir", c.dataDir().toString())
        .addKeyValue("advertise-peer-urls", strings(c.initialAdvertisePeerUrls()))
        .addKeyValue("advertise-client-urls", strings(c.advertiseClientUrls()))
        .log();
  }

  private static List<String> strings(List<URI> urls) {
    return urls.stream().map(URI::toString).toList();
  }

  private static String hex(long id) {
    return Long.toHexString(id);
  }
}
