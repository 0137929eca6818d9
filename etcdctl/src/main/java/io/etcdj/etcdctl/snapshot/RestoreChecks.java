package io.etcdj.etcdctl.snapshot;

import io.etcdj.etcdctl.print.Zap;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Everything etcd's snapshot Restore (v3_snapshot.go) checks before it writes a member directory,
 * in its order and with its texts: the peer URLs and initial cluster (pkg/types {@code NewURLs},
 * {@code NewURLsMap}), {@code ServerConfig.VerifyBootstrap} (local name present, advertised URLs
 * equal the cluster's after resolving, no duplicate URL), existing data and WAL dirs, then the
 * snapshot file and its trailing sha256. etcd creates the snap dir before the hash checks; these
 * checks write nothing at all.
 */
public final class RestoreChecks {

  /** Why Restore failed: the error text etcdctl prints. */
  public static final class RestoreException extends Exception {
    private static final long serialVersionUID = 1L;

    RestoreException(String text) {
      super(text, null, false, false);
    }
  }

  /** The flags of {@code snapshot restore}, resolved (data and WAL dir defaults applied). */
  public record Config(String snapshotPath, String name, String dataDir, String walDir, String walDirFlag, List<String> peerUrls, String initialCluster, String initialClusterToken, boolean skipHashCheck) {}

  private RestoreChecks() {}

  /**
   * etcd's Restore into an etcdj member directory: every check below, then the directory ({@link
   * EtcdjMemberDir}), then etcd's closing line. etcdj keeps its WAL in {@code
   * <data-dir>/member/wal} and has no {@code --wal-dir}, so a restore that asks for one is refused
   * before anything is written rather than leaving a WAL where etcdj would not look.
   */
  public static void restore(Config cfg, PrintStream err) throws RestoreException {
    Map<String, List<GoUrl>> cluster = run(cfg, err);
    if (!cfg.walDirFlag().isEmpty()) {
      throw new RestoreException(
          "--wal-dir is not supported: etcdj keeps its WAL in <data-dir>/member/wal (it has no --wal-dir flag); nothing was written");
    }
    EtcdjMemberDir.write(
        cfg.snapshotPath(), Path.of(cfg.dataDir()), EtcdjMemberDir.cluster(cluster, cfg.initialClusterToken(), cfg.name()), err);
    err.println(
        Zap.production("info", "snapshot/v3_snapshot.go:309", "restored snapshot")
            .string("path", cfg.snapshotPath())
            .string("wal-dir", cfg.walDir())
            .string("data-dir", cfg.dataDir())
            .string("snap-dir", goJoin(cfg.dataDir(), "member", "snap"))
            .line());
  }

  /**
   * Runs every check; returns the initial cluster when etcd would go on to write the member
   * directory.
   */
  public static Map<String, List<GoUrl>> run(Config cfg, PrintStream err) throws RestoreException {
    List<GoUrl> peers = newUrls(cfg.peerUrls());
    Map<String, List<GoUrl>> cluster = newUrlsMap(cfg.initialCluster());
    verifyBootstrap(cfg.name(), peers, cluster);
    if (Files.exists(Path.of(cfg.dataDir()))) {
      throw new RestoreException("data-dir " + io.etcdj.etcdctl.cli.GoQuote.quote(cfg.dataDir()) + " exists");
    }
    if (!cfg.walDirFlag().isEmpty() && Files.exists(Path.of(cfg.walDirFlag()))) {
      throw new RestoreException("wal-dir " + io.etcdj.etcdctl.cli.GoQuote.quote(cfg.walDirFlag()) + " exists");
    }
    String snapDir = goJoin(cfg.dataDir(), "member", "snap");
    err.println(
        Zap.production("info", "snapshot/v3_snapshot.go:296", "restoring snapshot")
            .string("path", cfg.snapshotPath())
            .string("wal-dir", cfg.walDir())
            .string("data-dir", cfg.dataDir())
            .string("snap-dir", snapDir)
            .line());
    checkSnapshotFile(cfg.snapshotPath(), cfg.skipHashCheck());
    return cluster;
  }

  /** filepath.Join: the parts joined with '/' and cleaned. */
  public static String goJoin(String... parts) {
    List<String> nonEmpty = new ArrayList<>();
    for (String p : parts) {
      if (!p.isEmpty()) {
        nonEmpty.add(p);
      }
    }
    if (nonEmpty.isEmpty()) {
      return "";
    }
    String joined = String.join("/", nonEmpty);
    String clean = Path.of(joined).normalize().toString();
    return clean.isEmpty() ? "." : clean;
  }

  static List<GoUrl> newUrls(List<String> raw) throws RestoreException {
    if (raw.isEmpty()) {
      throw new RestoreException("no valid URLs given");
    }
    List<GoUrl> out = new ArrayList<>();
    for (String in : raw) {
      String s = in.strip();
      GoUrl u;
      try {
        u = GoUrl.parse(s);
      } catch (IllegalArgumentException e) {
        throw new RestoreException(e.getMessage());
      }
      String scheme = u.scheme();
      if (!scheme.equals("http") && !scheme.equals("https") && !scheme.equals("unix") && !scheme.equals("unixs")) {
        throw new RestoreException("URL scheme must be http, https, unix, or unixs: " + s);
      }
      if (!u.hasHostPort()) {
        throw new RestoreException("URL address does not have the form \"host:port\": " + s);
      }
      if (!u.path().isEmpty()) {
        throw new RestoreException("URL must not contain a path: " + s);
      }
      out.add(u);
    }
    out.sort((a, b) -> a.toString().compareTo(b.toString()));
    return out;
  }

  /** types.NewURLsMap: "name=url,name=url"; a name may repeat to list several URLs. */
  static Map<String, List<GoUrl>> newUrlsMap(String s) throws RestoreException {
    Map<String, List<String>> m = new LinkedHashMap<>();
    for (String pair : s.split(",", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      m.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
    }
    Map<String, List<GoUrl>> out = new TreeMap<>();
    for (Map.Entry<String, List<String>> e : m.entrySet()) {
      out.put(e.getKey(), newUrls(e.getValue()));
    }
    return out;
  }

  static String urlsMapString(Map<String, List<GoUrl>> m) {
    List<String> all = new ArrayList<>();
    for (Map.Entry<String, List<GoUrl>> e : m.entrySet()) {
      for (GoUrl u : e.getValue()) {
        all.add(e.getKey() + "=" + u);
      }
    }
    all.sort(null);
    return String.join(",", all);
  }

  private static void verifyBootstrap(String name, List<GoUrl> peers, Map<String, List<GoUrl>> cluster) throws RestoreException {
    List<GoUrl> local = cluster.get(name);
    if (local == null) {
      throw new RestoreException("couldn't find local name " + io.etcdj.etcdctl.cli.GoQuote.quote(name) + " in the initial cluster configuration");
    }
    advertiseMatchesCluster(name, peers, local);
    TreeSet<String> seen = new TreeSet<>();
    for (List<GoUrl> us : cluster.values()) {
      for (GoUrl u : us) {
        if (!seen.add(u.toString())) {
          throw new RestoreException("initial cluster " + urlsMapString(cluster) + " has duplicate url");
        }
      }
    }
    if (urlsMapString(cluster).isEmpty()) {
      throw new RestoreException("initial cluster unset and no discovery URL found");
    }
  }

  private static void advertiseMatchesCluster(String name, List<GoUrl> peers, List<GoUrl> local) throws RestoreException {
    List<String> ap = strings(peers);
    List<String> cl = strings(local);
    String why = urlStringsEqual(ap, cl);
    if (why == null) {
      return;
    }
    List<String> missing = new ArrayList<>();
    for (String u : new TreeSet<>(cl)) {
      if (!ap.contains(u)) {
        missing.add(name + "=" + u);
      }
    }
    if (!missing.isEmpty()) {
      throw new RestoreException("--initial-cluster has " + String.join(",", missing) + " but missing from --initial-advertise-peer-urls=" + String.join(",", ap) + " (" + why + ")");
    }
    for (String u : new TreeSet<>(ap)) {
      if (!cl.contains(u)) {
        missing.add(u);
      }
    }
    String umap = urlsMapString(Map.of(name, peers));
    if (!missing.isEmpty()) {
      throw new RestoreException("--initial-advertise-peer-urls has " + String.join(",", missing) + " but missing from --initial-cluster=" + umap);
    }
    throw new RestoreException("failed to resolve " + String.join(",", ap) + " to match --initial-cluster=" + umap + " (" + why + ")");
  }

  private static List<String> strings(List<GoUrl> us) {
    List<String> out = new ArrayList<>();
    for (GoUrl u : us) {
      out.add(u.toString());
    }
    out.sort(null);
    return out;
  }

  /** netutil.URLStringsEqual: null when equal (after resolving host names), else Go's error text. */
  private static String urlStringsEqual(List<String> a, List<String> b) {
    if (a.size() != b.size()) {
      return "len(" + goQuoteSlice(a) + ") != len(" + goQuoteSlice(b) + ")";
    }
    if (a.equals(b)) {
      return null;
    }
    List<String> ra = new ArrayList<>();
    List<String> rb = new ArrayList<>();
    for (String u : a) {
      ra.add(resolve(u));
    }
    for (String u : b) {
      rb.add(resolve(u));
    }
    ra.sort(null);
    rb.sort(null);
    for (int i = 0; i < ra.size(); i++) {
      if (!ra.get(i).equals(rb.get(i))) {
        return "resolved urls: " + io.etcdj.etcdctl.cli.GoQuote.quote(ra.get(i)) + " != " + io.etcdj.etcdctl.cli.GoQuote.quote(rb.get(i));
      }
    }
    return null;
  }

  /**
   * A URL with its host name replaced by its first IPv4 address, as net.ResolveTCPAddr picks; IP
   * literals and "localhost" stay as they are (netutil resolveURL).
   */
  private static String resolve(String url) {
    GoUrl u = GoUrl.parse(url);
    int colon = u.host().lastIndexOf(':');
    String host = u.host().substring(0, colon);
    String port = u.host().substring(colon + 1);
    if (host.equals("localhost") || host.startsWith("[") || host.chars().allMatch(c -> c == '.' || Character.isDigit(c))) {
      return url;
    }
    try {
      for (InetAddress a : InetAddress.getAllByName(host)) {
        if (a instanceof java.net.Inet4Address) {
          return u.scheme() + "://" + a.getHostAddress() + ":" + port;
        }
      }
    } catch (UnknownHostException e) {
      return url;
    }
    return url;
  }

  private static String goQuoteSlice(List<String> xs) {
    List<String> q = new ArrayList<>();
    for (String x : xs) {
      q.add(io.etcdj.etcdctl.cli.GoQuote.quote(x));
    }
    return "[" + String.join(" ", q) + "]";
  }

  /** saveDB's reads: the file opens, ends with a sha256 that matches (unless skipped). */
  private static void checkSnapshotFile(String path, boolean skipHashCheck) throws RestoreException {
    long size;
    try (FileChannel f = FileChannel.open(Path.of(path), StandardOpenOption.READ)) {
      size = f.size();
    } catch (IOException e) {
      throw new RestoreException(GoOsError.text("open", path, e));
    }
    if (size < SnapshotSaver.SHA256_BYTES) {
      throw new RestoreException("seek " + path + ": invalid argument");
    }
    boolean hasHash = size % SnapshotSaver.SECTOR_BYTES == SnapshotSaver.SHA256_BYTES;
    if (!hasHash && !skipHashCheck) {
      throw new RestoreException("snapshot missing hash but --skip-hash-check=false");
    }
    if (!hasHash || skipHashCheck) {
      return;
    }
    byte[] expected = new byte[SnapshotSaver.SHA256_BYTES];
    byte[] got;
    try (InputStream in = Files.newInputStream(Path.of(path))) {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      long left = size - SnapshotSaver.SHA256_BYTES;
      while (left > 0) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, left));
        if (n < 0) {
          throw new RestoreException("read " + path + ": unexpected EOF");
        }
        sha.update(buf, 0, n);
        left -= n;
      }
      if (in.readNBytes(expected, 0, expected.length) != expected.length) {
        throw new RestoreException("read " + path + ": unexpected EOF");
      }
      got = sha.digest();
    } catch (IOException e) {
      throw new RestoreException(GoOsError.text("read", path, e));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
    if (!Arrays.equals(expected, got)) {
      throw new RestoreException("expected sha256 " + goBytes(expected) + ", got " + goBytes(got));
    }
  }

  /** A []byte printed with %v: "[1 2 3]". */
  private static String goBytes(byte[] b) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < b.length; i++) {
      if (i > 0) {
        sb.append(' ');
      }
      sb.append(b[i] & 0xff);
    }
    return sb.append(']').toString();
  }
}
