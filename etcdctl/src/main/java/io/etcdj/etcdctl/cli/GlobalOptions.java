package io.etcdj.etcdctl.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * etcdctl's global options after {@code ETCDCTL_*} variables were applied (pkg/flags
 * SetPflagsFromEnv): an unset flag takes its variable, a flag set on the command line and also in
 * the environment is a fatal conflict, and an unknown {@code ETCDCTL_*} variable is warned about.
 */
public record GlobalOptions(
    List<String> endpoints,
    long dialTimeoutNanos,
    long commandTimeoutNanos,
    long keepAliveTimeNanos,
    long keepAliveTimeoutNanos,
    boolean insecureTransport,
    boolean insecureSkipVerify,
    String cert,
    String key,
    String cacert,
    String user,
    String password,
    String discoverySrv,
    String discoverySrvName,
    boolean insecureDiscovery,
    OutputFormat format,
    boolean hex,
    boolean debug) {


  /** Adds etcdctl's global flags to the root command. */
  public static void define(Command root) {
    root.persistentFlag("endpoints", "", Flag.Type.STRING_SLICE, "[127.0.0.1:2379]", "gRPC endpoints");
    root.persistentFlag("debug", "", Flag.Type.BOOL, "false", "enable client-side debug logging");
    root.persistentFlag("write-out", "w", Flag.Type.STRING, "simple", "set the output format (fields, json, protobuf, simple, table)");
    root.persistentFlag("hex", "", Flag.Type.BOOL, "false", "print byte strings as hex encoded strings");
    root.persistentFlag("dial-timeout", "", Flag.Type.DURATION, "2s", "dial timeout for client connections");
    root.persistentFlag("command-timeout", "", Flag.Type.DURATION, "5s", "timeout for short running command (excluding dial timeout)");
    root.persistentFlag("keepalive-time", "", Flag.Type.DURATION, "2s", "keepalive time for client connections");
    root.persistentFlag("keepalive-timeout", "", Flag.Type.DURATION, "6s", "keepalive timeout for client connections");
    root.persistentFlag("insecure-transport", "", Flag.Type.BOOL, "true", "disable transport security for client connections");
    root.persistentFlag("insecure-discovery", "", Flag.Type.BOOL, "true", "accept insecure SRV records describing cluster endpoints");
    root.persistentFlag(
        "insecure-skip-tls-verify",
        "",
        Flag.Type.BOOL,
        "false",
        "skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)");
    root.persistentFlag("cert", "", Flag.Type.STRING, "", "identify secure client using this TLS certificate file");
    root.persistentFlag("key", "", Flag.Type.STRING, "", "identify secure client using this TLS key file");
    root.persistentFlag("cacert", "", Flag.Type.STRING, "", "verify certificates of TLS-enabled secure servers using this CA bundle");
    root.persistentFlag("user", "", Flag.Type.STRING, "", "username[:password] for authentication (prompt if password is not supplied)");
    root.persistentFlag(
        "password",
        "",
        Flag.Type.STRING,
        "",
        "password for authentication (if this option is used, --user option shouldn't include password)");
    root.persistentFlag("discovery-srv", "d", Flag.Type.STRING, "", "domain name to query for SRV records describing cluster endpoints");
    root.persistentFlag("discovery-srv-name", "", Flag.Type.STRING, "", "service name to query when using DNS discovery");
  }

  /** The environment variable pkg/flags maps a flag to: ETCDCTL_ + upper case, '-' → '_'. */
  public static String envName(String flag) {
    return "ETCDCTL_" + flag.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  static GlobalOptions resolve(Invocation inv, FlagSet flags) {
    Io io = inv.io();
    FlagSet inherited = inv.command().inheritedFlags();
    Set<String> used = new java.util.HashSet<>();
    Set<String> shadowed = new java.util.HashSet<>();
    for (Flag f0 : inherited.sorted()) {
      Flag f = flags.get(f0.name());
      String key = envName(f.name());
      if (f.changed()) {
        shadowed.add(key);
        continue;
      }
      String val = io.env().get(key);
      if (val != null && !val.isEmpty()) {
        used.add(key);
        try {
          f.set(val);
        } catch (IllegalArgumentException e) {
          // etcdctl ignores SetPflagsFromEnv's error: a bad value leaves the flag as it was.
        }
      }
    }
    // The watch command reads these two itself; etcdctl registers them so they are not "unknown".
    if (inv.command().name().equals("watch")) {
      used.add("ETCDCTL_WATCH_KEY");
      used.add("ETCDCTL_WATCH_RANGE_END");
    }
    for (Map.Entry<String, String> e : new TreeMap<>(io.env()).entrySet()) {
      String k = e.getKey();
      if (used.contains(k) || k.equals("ETCDCTL_API")) {
        continue;
      }
      if (shadowed.contains(k)) {
        io.err().println(capnslog('C', "pkg/flags: conflicting environment variable " + GoQuote.quote(k)
            + " is shadowed by corresponding command-line flag (either unset environment variable or disable flag)"));
        throw new CtlException.Silent(ExitCode.ERROR);
      }
      if (k.startsWith("ETCDCTL_")) {
        io.err().println(capnslog('W', "pkg/flags: unrecognized environment variable " + k + "=" + e.getValue()));
      }
    }
    boolean debug = (Boolean) flags.get("debug").value();
    if (debug) {
      for (Flag f : inherited.sorted()) {
        io.err().println(envName(f.name()) + "=" + flags.get(f.name()).valueString());
      }
    }
    // DNS SRV discovery asks the system resolver for _etcd-client(-ssl)._tcp records; this CLI
    // does not implement it yet, so it refuses rather than silently using --endpoints.
    if (!((String) flags.get("discovery-srv").value()).isEmpty()) {
      throw new CtlException(
          ExitCode.ERROR, "--discovery-srv (DNS SRV discovery) is not supported by etcdj's etcdctl yet; pass --endpoints");
    }
    List<String> eps = new ArrayList<>();
    @SuppressWarnings("unchecked")
    List<String> raw = (List<String>) flags.get("endpoints").value();
    for (String ep : raw) {
      eps.add(ep.strip());
    }
    String cert = tlsFile(flags, "cert");
    String key = tlsFile(flags, "key");
    String cacert = tlsFile(flags, "cacert");
    String[] auth = auth(io, (String) flags.get("user").value(), (String) flags.get("password").value());
    String out = (String) flags.get("write-out").value();
    OutputFormat fmt = OutputFormat.parse(out);
    if (fmt == null) {
      throw new CtlException(ExitCode.BAD_FEATURE, "unsupported output format");
    }
    return new GlobalOptions(
        eps,
        (Long) flags.get("dial-timeout").value(),
        (Long) flags.get("command-timeout").value(),
        (Long) flags.get("keepalive-time").value(),
        (Long) flags.get("keepalive-timeout").value(),
        (Boolean) flags.get("insecure-transport").value(),
        (Boolean) flags.get("insecure-skip-tls-verify").value(),
        cert,
        key,
        cacert,
        auth[0],
        auth[1],
        (String) flags.get("discovery-srv").value(),
        (String) flags.get("discovery-srv-name").value(),
        (Boolean) flags.get("insecure-discovery").value(),
        fmt,
        (Boolean) flags.get("hex").value(),
        debug);
  }

  /**
   * etcdctl's authCfgFromCmd: {@code --user name:pw}, or {@code --user name --password pw}, or a
   * prompt for the password (speakeasy: "Password: " on stdout, a line from stdin, echo turned off
   * with stty, which complains on stderr when stdin is not a terminal, as it is under a script).
   * Returns {user, password}; empty strings when no user was given.
   */
  private static String[] auth(Io io, String user, String password) {
    if (user.isEmpty()) {
      return new String[] {"", ""};
    }
    if (!password.isEmpty()) {
      return new String[] {user, password};
    }
    int colon = user.indexOf(':');
    if (colon >= 0) {
      return new String[] {user.substring(0, colon), user.substring(colon + 1)};
    }
    String pw = Speakeasy.ask(io, "Password: ");
    return new String[] {user, pw};
  }

  private static String tlsFile(FlagSet flags, String name) {
    Flag f = flags.get(name);
    String v = (String) f.value();
    if (v.isEmpty() && f.changed()) {
      throw new CtlException(ExitCode.BAD_ARGS, "empty string is passed to --" + name + " option");
    }
    return v;
  }

  /** A line in capnslog's format, as pkg/flags logs: "2006-01-02 15:04:05.000000 W | text". */
  public static String capnslog(char level, String text) {
    return GoTime.capnslogNow() + " " + level + " | " + text;
  }
}
