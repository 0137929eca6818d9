package io.etcdj.etcdctl.command;

import io.etcdj.api.etcdserverpb.WatchResponse;
import io.etcdj.api.mvccpb.Event;
import io.etcdj.etcdctl.cli.CtlException;
import io.etcdj.etcdctl.cli.GoQuote;
import io.etcdj.etcdctl.cli.Invocation;
import io.etcdj.etcdctl.cli.OutputFormat;
import io.etcdj.etcdctl.client.Watches;
import io.etcdj.etcdctl.print.GoJson;
import io.etcdj.etcdctl.print.Kvs;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What etcdctl's printWatchCh does with each response of a watch channel: the cancel line, the
 * progress line, the Watch printer of the output format, then the exec command once per event
 * with ETCD_WATCH_* in its environment (a failing command ends etcdctl with exit code 1).
 *
 * <p>Called from each watch's consumer thread; one response prints as a whole under the lock on
 * the output stream, so concurrent watches (-i) do not interleave within a response's lines.
 */
final class WatchPrinter {
  private final Invocation inv;
  private final OutputFormat format;

  WatchPrinter(Invocation inv) {
    this.inv = inv;
    this.format = inv.format();
    inv.hex(); // resolved here, on the command's thread
  }

  /** Prints one response and runs the exec command for its events. */
  void print(Watches.Response r, List<String> exec) throws InterruptedException {
    PrintStream out = inv.out();
    synchronized (out) {
      WatchResponse pb = r.pb();
      if (pb.getCanceled()) {
        out.flush();
        inv.err().println("watch was canceled (" + r.err() + ")");
      }
      if (r.isProgressNotify()) {
        inv.println("progress notify: " + pb.getHeader().getRevision());
      }
      display(r);
      out.flush();
    }
    // Outside the lock: other watches print while a command runs, as etcdctl's goroutines do.
    WatchResponse pb = r.pb();
    for (Event ev : pb.getEventsList()) {
      run(exec, pb.getHeader().getRevision(), ev);
    }
  }

  private void display(Watches.Response r) {
    WatchResponse pb = r.pb();
    switch (format) {
      case SIMPLE:
        for (Event ev : pb.getEventsList()) {
          inv.println(ev.getType().name());
          if (ev.hasPrevKv()) {
            Kvs.simple(inv, ev.getPrevKv(), false);
          }
          Kvs.simple(inv, ev.getKv(), false);
        }
        break;
      case JSON:
        inv.println(json(r));
        break;
      case FIELDS:
        Kvs.fieldsHeader(inv, pb.getHeader());
        for (Event ev : pb.getEventsList()) {
          inv.println("\"Type\" : " + ev.getType().name());
          if (ev.hasPrevKv()) {
            Kvs.fieldsKv(inv, "Prev", ev.getPrevKv());
          }
          Kvs.fieldsKv(inv, "", ev.getKv());
        }
        break;
      case PROTOBUF:
        Kvs.protobuf(
            inv,
            WatchResponse.newBuilder()
                .setHeader(pb.getHeader())
                .addAllEvents(pb.getEventsList())
                .setCompactRevision(pb.getCompactRevision())
                .setCanceled(pb.getCanceled())
                .setCreated(pb.getCreated())
                .build());
        break;
      default:
        throw format.unsupported();
    }
  }

  /**
   * clientv3's WatchResponse struct through encoding/json: the header by value, events as a slice
   * (empty but not nil for a response from the server, nil for a close error's).
   */
  static String json(Watches.Response r) {
    WatchResponse pb = r.pb();
    String events;
    if (r.closeErr() != null) {
      events = "null";
    } else {
      StringBuilder sb = new StringBuilder("[");
      for (int i = 0; i < pb.getEventsCount(); i++) {
        if (i > 0) {
          sb.append(',');
        }
        sb.append(GoJson.marshal(pb.getEvents(i)));
      }
      events = sb.append(']').toString();
    }
    return new GoJson.Obj()
        .raw("Header", GoJson.marshal(pb.getHeader()))
        .raw("Events", events)
        .num("CompactRevision", pb.getCompactRevision())
        .bool("Canceled", pb.getCanceled())
        .bool("Created", pb.getCreated())
        .toString();
  }

  private void run(List<String> exec, long revision, Event ev) throws InterruptedException {
    if (exec.isEmpty()) {
      return;
    }
    ProcessBuilder pb = new ProcessBuilder(exec);
    Map<String, String> env = pb.environment();
    env.clear();
    env.putAll(inv.io().env());
    env.put("ETCD_WATCH_REVISION", Long.toString(revision));
    env.put("ETCD_WATCH_EVENT_TYPE", GoQuote.quote(ev.getType().name()));
    env.put("ETCD_WATCH_KEY", GoQuote.quote(ev.getKv().getKey().toByteArray()));
    env.put("ETCD_WATCH_VALUE", GoQuote.quote(ev.getKv().getValue().toByteArray()));
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    String failure;
    try {
      Process p = pb.start();
      Thread errPump = pump(p.getErrorStream(), inv.err());
      copy(p.getInputStream(), inv.out());
      errPump.join();
      int code = p.waitFor();
      failure = code == 0 ? null : "exit status " + code;
    } catch (IOException e) {
      String name = exec.get(0);
      failure = name.contains("/")
          ? "fork/exec " + name + ": no such file or directory"
          : "exec: " + GoQuote.quote(name) + ": executable file not found in $PATH";
    }
    if (failure != null) {
      inv.out().flush();
      inv.err().println("command " + goQuoteSlice(exec) + " error (" + failure + ")");
      throw new CtlException.Silent(1);
    }
  }

  private static Thread pump(InputStream in, OutputStream out) {
    Thread t = new Thread(() -> copy(in, out), "etcdctl-watch-exec-stderr");
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static void copy(InputStream in, OutputStream out) {
    byte[] buf = new byte[8192];
    try {
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        out.write(buf, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // the command's output ends with it
    }
  }

  /** Go's %q of a []string: ["a" "b"]. */
  private static String goQuoteSlice(List<String> words) {
    List<String> q = new ArrayList<>();
    for (String w : words) {
      q.add(GoQuote.quote(w));
    }
    return "[" + String.join(" ", q) + "]";
  }
}
