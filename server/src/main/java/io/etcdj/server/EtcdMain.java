package io.etcdj.server;

import io.etcdj.server.config.FlagException;
import io.etcdj.server.config.Flags;
import io.etcdj.server.config.ServerConfig;
import io.etcdj.server.grpc.ClientServer;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@code etcd} command: parses etcd's flags, starts one member, stops it on SIGTERM/SIGINT. */
public final class EtcdMain {
  private EtcdMain() {}

  public static void main(String[] args) {
    ServerConfig config;
    try {
      config = Flags.parse(args, System.getenv());
    } catch (FlagException e) {
      System.err.println(e.getMessage());
      System.exit(e.exitCode());
      return;
    }
    configureLogging(config.logLevel());
    Logger log = LoggerFactory.getLogger(EtcdMain.class);
    for (String warning : Flags.unrecognizedEnvironment(System.getenv())) {
      log.warn(warning);
    }
    EtcdServer server;
    ClientServer grpc;
    try {
      server = EtcdServer.start(config);
      grpc = new ClientServer(server);
      grpc.start();
    } catch (StartupException e) {
      log.error("{}", e.getMessage()); // an expected refusal, such as a cluster it cannot join
      System.exit(1);
      return;
    } catch (RuntimeException e) {
      log.error("failed to start etcdj: {}", e.getMessage(), e);
      System.exit(1);
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
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log.info("received shutdown signal; stopping");
                  grpc.close();
                  server.close();
                  stopped.countDown();
                },
                "etcdj-shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** slf4j-simple reads its level once, so set it before the first logger is created. */
  private static void configureLogging(String etcdLevel) {
    String level =
        switch (etcdLevel) {
          case "debug" -> "debug";
          case "warn" -> "warn";
          case "error", "panic", "fatal" -> "error";
          default -> "info";
        };
    setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", level);
    setIfAbsent("org.slf4j.simpleLogger.showDateTime", "true");
    setIfAbsent("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd HH:mm:ss.SSS");
    setIfAbsent("org.slf4j.simpleLogger.showThreadName", "false");
    setIfAbsent("org.slf4j.simpleLogger.showShortLogName", "true");
    setIfAbsent("org.slf4j.simpleLogger.log.io.grpc", "warn");
    setIfAbsent("org.slf4j.simpleLogger.log.io.netty", "warn");
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}
