package io.etcdj.etcdctl.command;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.WatchCreateRequest;
import io.etcdj.etcdctl.cli.Command;
import io.etcdj.etcdctl.cli.CtlException;
import io.etcdj.etcdctl.cli.ExitCode;
import io.etcdj.etcdctl.cli.GoQuote;
import io.etcdj.etcdctl.cli.Invocation;
import io.etcdj.etcdctl.cli.Io;
import io.etcdj.etcdctl.cli.LineReader;
import io.etcdj.etcdctl.client.Client;
import io.etcdj.etcdctl.client.Watches;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * {@code watch} (ctlv3 watch_command.go): one watch from the command line, or with -i one per
 * "watch ..." input line (and "progress" lines asking every watch for a progress notify), all on
 * one stream that requires a leader. Each watch prints on its own thread (etcdctl's goroutine per
 * watch channel). The command ends when interrupted, when its watch is closed ("watch is canceled
 * by the server", exit code 5), when -i input ends (exit code 3), or when printing or the exec
 * command fails.
 */
final class WatchCommand {
  private WatchCommand() {}

  static Command watch() {
    return new Command(
            "watch [options] [key or prefix] [range_end] [--] [exec-command arg1 arg2 ...]",
            "Watches events stream on keys or prefixes")
        .boolFlag("interactive", "i", false, "Interactive mode")
        .boolFlag("prefix", false, "Watch on a prefix if prefix is set")
        .int64Flag("rev", 0, "Revision to start watching")
        .boolFlag("prev-kv", false, "get the previous key-value pair before the event happens")
        // etcd 3.5's flag (issue 12 asks for it; 3.4.23 has none): the server's periodic progress
        // notifications, printed as "progress notify: <rev>" like the requested ones.
        .boolFlag("progress-notify", false, "get periodic watch progress notification from server")
        .runner(WatchCommand::run);
  }

  static void run(Invocation inv) throws InterruptedException {
    Io io = inv.io();
    String envKey = io.env().getOrDefault("ETCDCTL_WATCH_KEY", "");
    String envRange = io.env().getOrDefault("ETCDCTL_WATCH_RANGE_END", "");
    if (envKey.isEmpty() && !envRange.isEmpty()) {
      throw new CtlException(
          ExitCode.BAD_ARGS, "ETCDCTL_WATCH_KEY is empty but got ETCDCTL_WATCH_RANGE_END=" + GoQuote.quote(envRange));
    }
    CompletableFuture<RuntimeException> end = new CompletableFuture<>();
    if (inv.bool("interactive")) {
      Client c = inv.client();
      try (Watches watches = new Watches(c, true)) {
        WatchPrinter printer = new WatchPrinter(inv);
        Thread reader = new Thread(() -> readLines(inv, watches, printer, envKey, envRange, end), "etcdctl-watch-input");
        reader.setDaemon(true);
        reader.start();
        throw await(io, end);
      }
    }
    WatchArgs args = WatchArgs.ofCommandLine(inv, inv.rawArgs(), inv.args(), envKey, envRange);
    Client c = inv.client();
    try (Watches watches = new Watches(c, true)) {
      WatchCreateRequest req = request(args);
      WatchPrinter printer = new WatchPrinter(inv);
      start(watches, req, printer, args.execText(), end, true);
      throw await(io, end);
    }
  }

  /** Waits for the end of the command: an interrupt (exit code 130, as Ctrl-C) or a failure. */
  private static RuntimeException await(Io io, CompletableFuture<RuntimeException> end) throws InterruptedException {
    try {
      CompletableFuture.anyOf(end, io.interrupt()).get();
    } catch (ExecutionException e) {
      // an interrupt completed exceptionally is an interrupt all the same
    }
    io.out().flush();
    return end.isDone() ? end.getNow(null) : new CtlException.Silent(130);
  }

  /** etcdctl's getWatchChan: the create request, or the argument error. */
  static WatchCreateRequest request(WatchArgs args) {
    List<String> words = args.watchArgs();
    if (words.isEmpty()) {
      throw new CtlException(ExitCode.BAD_ARGS, WatchArgs.BAD_ARGS_NUM);
    }
    ByteString key = args.bytes(words.get(0));
    WatchCreateRequest.Builder b = WatchCreateRequest.newBuilder().setStartRevision(args.rev()).setPrevKv(args.prevKv())
        .setProgressNotify(args.progressNotify());
    if (words.size() == 2) {
      if (args.prefix()) {
        throw new CtlException(ExitCode.BAD_ARGS, "`range_end` and `--prefix` are mutually exclusive");
      }
      b.setRangeEnd(args.bytes(words.get(1)));
    }
    if (args.prefix()) {
      if (key.isEmpty()) {
        key = Keys.NUL;
        b.setRangeEnd(Keys.NUL);
      } else {
        b.setRangeEnd(Keys.prefixEnd(key));
      }
    }
    return b.setKey(key).build();
  }

  /**
   * Starts a watch and the thread that prints it. With {@code endsCommand}, its closing ends the
   * command ("watch is canceled by the server").
   */
  private static void start(
      Watches watches,
      WatchCreateRequest req,
      WatchPrinter printer,
      List<String> exec,
      CompletableFuture<RuntimeException> end,
      boolean endsCommand)
      throws InterruptedException {
    LinkedBlockingQueue<Object> channel = new LinkedBlockingQueue<>();
    Object closed = new Object();
    Thread consumer =
        new Thread(
            () -> {
              try {
                for (Object o = channel.take(); o != closed; o = channel.take()) {
                  printer.print((Watches.Response) o, exec);
                }
                if (endsCommand) {
                  end.complete(new CtlException(ExitCode.INTERRUPTED, "watch is canceled by the server"));
                }
              } catch (RuntimeException e) {
                end.complete(e);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "etcdctl-watch");
    consumer.setDaemon(true);
    consumer.start();
    watches.watch(
        req,
        new Watches.Listener() {
          @Override
          public void onResponse(Watches.Response r) {
            channel.add(r);
          }

          @Override
          public void onClosed() {
            channel.add(closed);
          }
        });
  }

  /** The -i input loop (etcdctl's watchInteractiveFunc), on its own thread. */
  private static void readLines(
      Invocation inv,
      Watches watches,
      WatchPrinter printer,
      String envKey,
      String envRange,
      CompletableFuture<RuntimeException> end) {
    LineReader reader = new LineReader(inv.io().in());
    String key = byteString(envKey);
    String range = byteString(envRange);
    try {
      while (!end.isDone()) {
        String l;
        try {
          l = reader.readLine();
        } catch (EOFException e) {
          throw new CtlException(ExitCode.INVALID_INPUT, "Error reading watch request line: EOF");
        } catch (IOException e) {
          throw new CtlException(ExitCode.INVALID_INPUT, "Error reading watch request line: " + e.getMessage());
        }
        l = l.substring(0, l.length() - 1);
        handle(inv, watches, printer, l, key, range, end);
      }
    } catch (RuntimeException e) {
      end.complete(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      end.complete(new CtlException.Silent(130));
    }
  }

  private static void handle(
      Invocation inv,
      Watches watches,
      WatchPrinter printer,
      String l,
      String envKey,
      String envRange,
      CompletableFuture<RuntimeException> end)
      throws InterruptedException {
    List<String> words = Argify.words(l, inv.io());
    String text = LineReader.text(l);
    if (words.isEmpty()) {
      complain(inv, "Invalid command: " + text + " (watch and progress supported)");
      return;
    }
    switch (words.get(0)) {
      case "watch":
        {
          if (words.size() < 2 && envKey.isEmpty()) {
            complain(inv, "Invalid command " + text + " (command type or key is not provided)");
            return;
          }
          WatchArgs args = WatchArgs.ofLine(words, envKey, envRange);
          WatchCreateRequest req;
          try {
            req = request(args);
          } catch (CtlException e) {
            complain(inv, "Invalid command " + text + " (" + e.getMessage() + ")");
            return;
          }
          start(watches, req, printer, args.execText(), end, false);
          return;
        }
      case "progress":
        watches.requestProgress();
        return;
      default:
        complain(inv, "Invalid command " + text + " (only support watch)");
    }
  }

  private static void complain(Invocation inv, String message) {
    synchronized (inv.out()) {
      inv.out().flush();
      inv.err().println(message);
    }
  }

  /** Text as a byte string (one char per byte), to stand beside words read from input. */
  private static String byteString(String text) {
    return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
  }
}
