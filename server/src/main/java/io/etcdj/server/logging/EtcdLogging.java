package io.etcdj.server.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.EncoderBase;
import io.etcdj.server.config.FlagException;
import io.etcdj.server.config.LogSettings;
import java.io.FileNotFoundException;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * Points logback at etcd's outputs in etcd's format and level (etcd's {@code setupLogging}). File
 * outputs are opened for appending, as zap opens its sinks, and a file that cannot be opened is
 * refused with zap's words before anything starts.
 */
public final class EtcdLogging {
  /** Libraries whose info lines are not etcd's: gRPC and Netty speak only to warn. */
  private static final List<String> QUIET = List.of("io.netty", "io.grpc");

  private EtcdLogging() {}

  /** Configures logback from the flags; throws etcd's error when an output cannot be opened. */
  public static void configure(LogSettings settings) {
    List<OutputStream> streams = new ArrayList<>();
    for (String output : settings.outputs()) {
      streams.add(open(output));
    }
    ILoggerFactory factory = LoggerFactory.getILoggerFactory();
    if (!(factory instanceof LoggerContext context)) {
      // Another slf4j backend is first on the class path (a test's): leave it as it is.
      return;
    }
    install(context, settings, streams);
  }

  /** The set-up before any flag is read: capnslog lines on stderr at info, as etcd 3.4's. */
  static void installDefaults(LoggerContext context) {
    install(context, LogSettings.defaults(), List.of(new NonClosing(System.err)));
  }

  private static void install(LoggerContext context, LogSettings settings, List<OutputStream> streams) {
    context.reset();
    // zap's caller is the code that logged, not the helper that worded an etcd line.
    // (Matched as a name prefix; only EtcdEvents, as the encoders below it are on the stack too.)
    if (!context.getFrameworkPackages().contains(EtcdEvents.class.getName())) {
      context.getFrameworkPackages().add(EtcdEvents.class.getName());
    }
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(level(settings.effectiveLevel()));
    for (String quiet : QUIET) {
      context.getLogger(quiet).setLevel(Level.WARN);
    }
    int n = 0;
    for (OutputStream stream : streams) {
      EncoderBase<ILoggingEvent> encoder = settings.zap() ? new ZapEncoder() : new CapnslogEncoder();
      encoder.setContext(context);
      encoder.start();
      OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
      appender.setName("etcd-" + (n++));
      appender.setContext(context);
      appender.setEncoder(encoder);
      appender.setImmediateFlush(true);
      appender.setOutputStream(stream);
      appender.start();
      root.addAppender(appender);
    }
  }

  private static Level level(String etcdLevel) {
    return switch (etcdLevel) {
      case "debug" -> Level.DEBUG;
      case "info" -> Level.INFO;
      case "warn" -> Level.WARN;
      default -> Level.ERROR; // error, and panic/fatal: etcdj logs nothing above error
    };
  }

  private static OutputStream open(String output) {
    switch (output) {
      case LogSettings.DEFAULT_OUTPUT, LogSettings.STDERR -> {
        return new NonClosing(System.err);
      }
      case LogSettings.STDOUT -> {
        return new NonClosing(System.out);
      }
      default -> {
        try {
          return new FileOutputStream(output, true);
        } catch (FileNotFoundException e) {
          throw new FlagException(
              "open sink \"" + output + "\": open " + output + ": " + reason(Path.of(output)), 1);
        }
      }
    }
  }

  /** Go's errno text for a file that cannot be opened for appending. */
  private static String reason(Path p) {
    Path parent = p.toAbsolutePath().getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      return "no such file or directory";
    }
    if (Files.isDirectory(p)) {
      return "is a directory";
    }
    return "permission denied";
  }

  /** stderr and stdout outlive a logback reset: closing the appender must not close them. */
  private static final class NonClosing extends PrintStream {
    NonClosing(PrintStream target) {
      super(target, true);
    }

    @Override
    public void close() {
      flush();
    }
  }
}
