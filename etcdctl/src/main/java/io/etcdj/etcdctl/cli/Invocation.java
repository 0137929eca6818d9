package io.etcdj.etcdctl.cli;

import com.google.protobuf.ByteString;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One run of one command: its parsed flags (local and inherited), positional arguments and
 * streams, plus what commands share: the global options (with {@code ETCDCTL_*} applied on first
 * use, as etcdctl applies them only when a command builds its client config) and the client.
 *
 * <p>Confined to the running command's thread. Closing it closes the client.
 */
public final class Invocation implements AutoCloseable {
  private final Command cmd;
  private final FlagSet flags;
  private final List<String> args;
  private final List<String> rawArgs;
  private final Charset argCharset;
  private final Io io;
  private final ClientFactory clients;
  private GlobalOptions global;
  private AutoCloseable client;

  /** Builds the client for a run; the client package supplies it (keeps cli free of gRPC). */
  public interface ClientFactory {
    AutoCloseable open(Invocation inv);
  }

  Invocation(Command cmd, FlagSet flags, List<String> args, List<String> rawArgs, Charset argCharset, Io io, ClientFactory clients) {
    this.cmd = cmd;
    this.flags = flags;
    this.args = List.copyOf(args);
    this.rawArgs = List.copyOf(rawArgs);
    this.argCharset = argCharset;
    this.io = io;
    this.clients = clients;
  }

  /**
   * A run of {@code cmd} inside another command, over words that command read itself (txn's op
   * lines are get/put/del command lines). Its words are byte strings, one char per byte, so bytes
   * from escapes such as \xff reach the request unchanged. It has no client of its own.
   */
  public static Invocation nested(Command cmd, FlagSet flags, List<String> args, Io io) {
    return new Invocation(cmd, flags, args, args, StandardCharsets.ISO_8859_1, io, inv -> {
      throw new IllegalStateException(cmd.path() + " inside another command has no client");
    });
  }
  public Command command() {
    return cmd;
  }

  public List<String> args() {
    return args;
  }

  /** The whole command line as given, after the program name (Go's os.Args[1:]). */
  public List<String> rawArgs() {
    return rawArgs;
  }

  /** An argument's bytes: UTF-8 for a command line, one byte per char for a nested one. */
  public ByteString argBytes(String arg) {
    return ByteString.copyFrom(arg.getBytes(argCharset));
  }

  public Io io() {
    return io;
  }

  public PrintStream out() {
    return io.out();
  }

  public PrintStream err() {
    return io.err();
  }

  /** Writes a line of raw bytes (values are bytes, not text). */
  public void println(byte[] raw) {
    io.out().write(raw, 0, raw.length);
    io.out().write('\n');
  }

  public void println(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    println(b);
  }

  public Flag flag(String name) {
    Flag f = flags.get(name);
    if (f == null) {
      throw new IllegalStateException("no flag --" + name + " on " + cmd.path());
    }
    return f;
  }

  public boolean bool(String name) {
    return (Boolean) flag(name).value();
  }

  public String string(String name) {
    return (String) flag(name).value();
  }

  public long int64(String name) {
    return (Long) flag(name).value();
  }

  public long durationNanos(String name) {
    return (Long) flag(name).value();
  }

  @SuppressWarnings("unchecked")
  public List<String> strings(String name) {
    return (List<String>) flag(name).value();
  }

  public boolean changed(String name) {
    return flag(name).changed();
  }

  /**
   * The global options, with {@code ETCDCTL_*} variables applied the first time (etcdctl's
   * clientConfigFromCmd). Also checks the output format, failing with etcd's error.
   */
  public GlobalOptions global() {
    if (global == null) {
      global = GlobalOptions.resolve(this, flags);
    }
    return global;
  }

  /** The output format; resolving it applies the environment, as etcdctl's initDisplayFromCmd. */
  public OutputFormat format() {
    return global().format();
  }

  public boolean hex() {
    return global().hex();
  }

  /** The run's client, opened on first use and closed with the run. */
  @SuppressWarnings("unchecked")
  public <T extends AutoCloseable> T client() {
    if (client == null) {
      global();
      client = clients.open(this);
    }
    return (T) client;
  }

  FlagSet flagSet() {
    return flags;
  }

  @Override
  public void close() {
    if (client != null) {
      try {
        client.close();
      } catch (Exception e) {
        // Closing a channel at exit cannot fail in a way the user could act on.
      }
    }
  }
}
