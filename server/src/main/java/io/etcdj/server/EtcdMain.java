package io.etcdj.server;

import io.etcdj.server.config.FlagException;
import io.etcdj.server.config.Flags;
import io.etcdj.server.config.ServerConfig;
import io.etcdj.server.config.Usage;
import io.etcdj.server.grpc.ClientServer;
import io.etcdj.server.logging.EtcdEvents;
import io.etcdj.server.logging.EtcdLogging;
import java.nio.file.Files;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/** The {@code etcd} command: parses etcd's flags, starts one member, stops it on SIGTERM/SIGINT. */
public final class EtcdMain {
  private EtcdMain() {}

  public static void main(String[] args) {
    try {
      if (Flags.helpRequested(args)) {
        Usage.print(System.out, System.err);
        System.exit(0);
        return;
      }
    } catch (FlagException e) {
      exitOnFlagError(e, true); // a bad flag before --help: Go's flag parser stops there
      return;
    }
    if (java.util.Arrays.asList(args).contains("--version") || java.util.Arrays.asList(args).contains("-version")) {
      // etcd's --version lines; the Go ones name the Java runtime instead.
      System.out.println("etcd Version: " + EtcdServer.VERSION);
      System.out.println("Git SHA: Not provided (etcdj)");
      System.out.println("Go Version: java" + System.getProperty("java.version"));
      System.out.println("Go OS/Arch: " + System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT) + "/"
          + System.getProperty("os.arch").replace("x86_64", "amd64"));
      System.exit(0);
      return;
    }
    ServerConfig config;
    try {
      config = Flags.parse(args, System.getenv());
      // Libraries initialize on the other core from here on, while logging is set up and the WAL
      // replayed. Not before: --help, --version and a bad flag (a few ms to parse) start nothing
      // they would have to wait for or cut short.
      StartupWarmup.begin();
      config.logging().deprecationWarnings().forEach(System.err::println);
      EtcdLogging.configure(config.logging());
      StartupWarmup.loggingReady();
    } catch (FlagException e) {
      String file = Flags.configFileArgument(args, System.getenv());
      if (file != null && e.exitCode() == 1) {
        System.err.println(capnslogPrefix("I | etcdmain: ") + EtcdEvents.loadingConfigFileText(file));
      }
      // A config file's settings are not read by Go's flag parser: no usage after their errors.
      exitOnFlagError(e, file == null);
      return;
    }
    Logger log = LoggerFactory.getLogger(EtcdMain.class);
    if (config.configFile() != null) {
      EtcdEvents.loadedConfigFile(config.configFile().toString());
    } else {
      EtcdEvents.environmentVariables(
          Flags.recognizedEnvironment(System.getenv()), Flags.unrecognizedEnvironment(System.getenv()));
    }
    EtcdEvents.startingEtcd(config, EtcdServer.VERSION, Files.isDirectory(config.walDir()));
    EtcdServer server;
    ClientServer grpc;
    try {
      ClientServer[] built = new ClientServer[1];
      server = EtcdServer.start(config, s -> built[0] = new ClientServer(s)); // built, not serving
      grpc = built[0];
      grpc.start();
    } catch (StartupException e) {
      log.error("{}", e.getMessage()); // an expected refusal, such as a cluster it cannot join
      exit(1);
      return;
    } catch (RuntimeException e) {
      log.error("failed to start etcdj: {}", e.getMessage(), e);
      exit(1);
      return;
    }
    log.info(
        "etcdj {} (etcd API {}) ready: name={} member-id={} cluster-id={} listen-client-urls={}"
            + " advertise-client-urls={} data-dir={}",
        EtcdMain.class.getPackage().getImplementationVersion() == null
            ? "dev"
            : EtcdMain.class.getPackage().getImplementationVersion(),
        EtcdServer.VERSION,
        config.name(),
        Long.toHexString(server.cluster().memberId()),
        Long.toHexString(server.cluster().clusterId()),
        config.listenClientUrls(),
        config.advertiseClientUrls(),
        config.dataDir().toAbsolutePath());
    CountDownLatch stopped = new CountDownLatch(1);
    // A member removed from the cluster stops itself, as etcd's does.
    server.removed().thenRun(() -> System.exit(0));
    logSignal("TERM", "terminated");
    logSignal("INT", "interrupt");
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  EtcdEvents.closing(config, false);
                  grpc.close();
                  server.stop(); // a leader hands leadership over first, as etcd's Stop
                  EtcdEvents.closing(config, true);
                  stopped.countDown();
                },
                "etcdj-shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Prints etcd's error for a bad flag, then, as Go's flag parser, the usage block when it applies. */
  private static void exitOnFlagError(FlagException e, boolean fromCommandLine) {
    System.err.println(flagError(e));
    if (fromCommandLine && e.printsUsage()) {
      Usage.printUsageLine(System.err);
    }
    exit(e.exitCode());
  }

  /**
   * Exits once the warm-up (if started) is past LMDB's native binding: jffi extracts its library to
   * a temp file, and a JVM shutting down under it deletes that file, after which jffi extracts it
   * again into the working directory, where it stays.
   */
  private static void exit(int status) {
    StartupWarmup.awaitStorage();
    System.exit(status);
  }

  /**
   * Logs etcd's "received signal; shutting down" with Go's name of the signal, then lets the JVM's
   * own handler run the shutdown hooks (exit status 128 + signal, as etcd's re-raised signal).
   */
  private static void logSignal(String name, String goName) {
    try {
      Signal signal = new Signal(name);
      sun.misc.SignalHandler[] previous = new sun.misc.SignalHandler[1];
      previous[0] =
          Signal.handle(
              signal,
              s -> {
                EtcdEvents.receivedSignal(goName);
                previous[0].handle(s);
              });
    } catch (IllegalArgumentException e) {
      // The JVM reserves the signal (-Xrs): the shutdown hook still stops the server.
    }
  }

  /**
   * What etcd prints for a bad flag: Go's flag-package errors as they are (exit 2), etcd's
   * verification errors as its capnslog line (exit 1).
   */
  static String flagError(FlagException e) {
    if (e.exitCode() != 1) {
      return e.getMessage();
    }
    if (e.getMessage().startsWith("conflicting environment variable")) {
      return capnslogPrefix("C | pkg/flags: ") + e.getMessage();
    }
    return capnslogPrefix("E | etcdmain: ") + "error verifying flags, " + e.getMessage() + ". See 'etcd --help'.";
  }

  /** A capnslog line's start, for what etcd prints before its logger is set up. */
  private static String capnslogPrefix(String levelAndPackage) {
    return LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS")) + " " + levelAndPackage;
  }
}
