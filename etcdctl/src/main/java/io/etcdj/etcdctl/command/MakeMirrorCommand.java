package io.etcdj.etcdctl.command;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.DeleteRangeRequest;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.RangeResponse;
import io.etcdj.api.etcdserverpb.RequestOp;
import io.etcdj.api.etcdserverpb.TxnRequest;
import io.etcdj.api.etcdserverpb.WatchCreateRequest;
import io.etcdj.api.mvccpb.Event;
import io.etcdj.api.mvccpb.KeyValue;
import io.etcdj.etcdctl.cli.Command;
import io.etcdj.etcdctl.cli.CtlException;
import io.etcdj.etcdctl.cli.ExitCode;
import io.etcdj.etcdctl.cli.Invocation;
import io.etcdj.etcdctl.client.Client;
import io.etcdj.etcdctl.client.tls.ClientTls;
import io.etcdj.pki.GoTlsException;
import io.etcdj.etcdctl.client.Watches;
import io.grpc.Deadline;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code make-mirror} (ctlv3 make_mirror_command.go with clientv3/mirror's syncer): copies the keys
 * under --prefix at the source's current revision to the destination in pages of 1000, then
 * follows a watch from the next revision, one destination txn per source revision, keys renamed
 * from --prefix to --dest-prefix (Go's strings.Replace of the first occurrence). Every 30 seconds
 * it prints how many keys it has mirrored. It runs until interrupted or until a call fails or the
 * watch is compacted ("Error: ..." with exit code 1).
 *
 * <p>The destination gets its own TLS from the --dest-* flags, as etcdctl's secureCfg for it.
 */
final class MakeMirrorCommand {
  private MakeMirrorCommand() {}

  /** clientv3/mirror's batchLimit. */
  static final long PAGE_KEYS = 1000;
  static final long REPORT_SECONDS = 30;
  private static final long NO_DEADLINE_DAYS = 365;

  static Command makeMirror() {
    return new Command("make-mirror [options] <destination>", "Makes a mirror at the destination etcd cluster")
        .stringFlag("prefix", "", "Key-value prefix to mirror")
        .stringFlag("dest-prefix", "", "destination prefix to mirror a prefix to a different prefix in the destination cluster")
        .boolFlag("no-dest-prefix", false, "mirror key-values to the root of the destination cluster")
        .stringFlag("dest-cert", "", "Identify secure client using this TLS certificate file for the destination cluster")
        .stringFlag("dest-key", "", "Identify secure client using this TLS key file")
        .stringFlag("dest-cacert", "", "Verify certificates of TLS enabled secure servers using this CA bundle")
        .boolFlag("dest-insecure-transport", true, "Disable transport security for client connections")
        .runner(MakeMirrorCommand::run);
  }

  static void run(Invocation inv) throws InterruptedException {
    if (inv.args().size() != 1) {
      throw new CtlException(ExitCode.BAD_ARGS, "make-mirror takes one destination argument");
    }
    // etcdctl builds the destination's client (with its own TLS flags) before the source's.
    ClientTls destTls;
    try {
      destTls =
          ClientTls.of(
              inv.string("dest-cert"), inv.string("dest-key"), inv.string("dest-cacert"), inv.bool("dest-insecure-transport"), false);
    } catch (GoTlsException e) {
      throw new CtlException(ExitCode.BAD_ARGS, e.getMessage());
    }
    Client dest0 = Client.to(inv.global(), inv.args().get(0), inv.err(), destTls);
    Client src;
    try {
      src = inv.client();
    } catch (RuntimeException e) {
      dest0.close();
      throw e;
    }
    AtomicLong total = new AtomicLong();
    ScheduledExecutorService reporter =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "etcdctl-make-mirror-report");
              t.setDaemon(true);
              return t;
            });
    reporter.scheduleWithFixedDelay(
        () -> {
          synchronized (inv.out()) {
            inv.println(Long.toString(total.get()));
            inv.out().flush();
          }
        },
        REPORT_SECONDS,
        REPORT_SECONDS,
        TimeUnit.SECONDS);
    try (Client dest = dest0;
        Watches watches = new Watches(src, false)) {
      mirror(inv, src, dest, watches, total);
    } finally {
      reporter.shutdownNow();
    }
  }

  private static void mirror(Invocation inv, Client src, Client dest, Watches watches, AtomicLong total)
      throws InterruptedException {
    ByteString prefix = inv.argBytes(inv.string("prefix"));
    // The syncer reads the source's revision (a get of "foo") before the flags are checked.
    CtlException baseError = null;
    long rev = 0;
    try {
      rev = src.unary(() -> src.kv(noDeadline()).range(RangeRequest.newBuilder().setKey(Keys.bytes("foo")).build()))
          .getHeader()
          .getRevision();
    } catch (CtlException e) {
      baseError = e;
    }
    boolean noDestPrefix = inv.bool("no-dest-prefix");
    ByteString destPrefix = inv.argBytes(inv.string("dest-prefix"));
    if (noDestPrefix && !destPrefix.isEmpty()) {
      throw new CtlException(
          ExitCode.BAD_ARGS, "`--dest-prefix` and `--no-dest-prefix` cannot be set at the same time, choose one");
    }
    if (!noDestPrefix && destPrefix.isEmpty()) {
      destPrefix = prefix;
    }
    if (baseError != null) {
      throw baseError;
    }
    Renamer rename = new Renamer(prefix, destPrefix);
    copyBase(src, dest, prefix, rev, rename, total);
    follow(inv, dest, watches, prefix, rev, rename, total);
  }

  /** The syncer's SyncBase: pages of the keys at {@code rev}, each key put to the destination. */
  private static void copyBase(Client src, Client dest, ByteString prefix, long rev, Renamer rename, AtomicLong total)
      throws InterruptedException {
    RangeRequest.Builder page = RangeRequest.newBuilder().setLimit(PAGE_KEYS).setRevision(rev);
    ByteString key;
    if (prefix.isEmpty()) {
      key = Keys.NUL;
      page.setRangeEnd(Keys.NUL);
    } else {
      key = prefix;
      page.setRangeEnd(Keys.prefixEnd(prefix));
    }
    while (true) {
      RangeRequest req = page.setKey(key).build();
      RangeResponse resp = src.unary(() -> src.kv(noDeadline()).range(req));
      for (KeyValue kv : resp.getKvsList()) {
        PutRequest put = PutRequest.newBuilder().setKey(rename.apply(kv.getKey())).setValue(kv.getValue()).build();
        dest.unary(() -> dest.kv(noDeadline()).put(put));
        total.incrementAndGet();
      }
      if (!resp.getMore()) {
        return;
      }
      key = resp.getKvs(resp.getKvsCount() - 1).getKey().concat(Keys.NUL);
    }
  }

  /** The syncer's SyncUpdates: every event after {@code rev}, one destination txn per revision. */
  private static void follow(
      Invocation inv, Client dest, Watches watches, ByteString prefix, long rev, Renamer rename, AtomicLong total)
      throws InterruptedException {
    WatchCreateRequest.Builder w = WatchCreateRequest.newBuilder().setStartRevision(rev + 1);
    if (prefix.isEmpty()) {
      w.setKey(Keys.NUL).setRangeEnd(Keys.NUL);
    } else {
      w.setKey(prefix).setRangeEnd(Keys.prefixEnd(prefix));
    }
    LinkedBlockingQueue<Object> channel = new LinkedBlockingQueue<>();
    Object closed = new Object();
    inv.io().interrupt().thenRun(() -> channel.add(closed));
    watches.watch(
        w.build(),
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
    for (Object o = channel.take(); o != closed; o = channel.take()) {
      Watches.Response r = (Watches.Response) o;
      if (r.pb().getCompactRevision() != 0) {
        throw new CtlException(ExitCode.ERROR, "etcdserver: mvcc: required revision has been compacted");
      }
      List<RequestOp> ops = new ArrayList<>();
      long lastRev = 0;
      for (Event ev : r.pb().getEventsList()) {
        long next = ev.getKv().getModRevision();
        if (lastRev != 0 && next > lastRev) {
          commit(dest, ops);
          ops = new ArrayList<>();
        }
        lastRev = next;
        ByteString key = rename.apply(ev.getKv().getKey());
        if (ev.getType() == Event.EventType.PUT) {
          ops.add(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(key).setValue(ev.getKv().getValue())).build());
        } else {
          ops.add(RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(key)).build());
        }
        total.incrementAndGet();
      }
      if (!ops.isEmpty()) {
        commit(dest, ops);
      }
    }
    if (inv.io().interrupt().isDone()) {
      throw new CtlException.Silent(130);
    }
    // The watch channel closed without a compaction: etcdctl exits with the nil error it got.
    throw new CtlException(ExitCode.ERROR, "<nil>");
  }

  private static void commit(Client dest, List<RequestOp> ops) throws InterruptedException {
    TxnRequest txn = TxnRequest.newBuilder().addAllSuccess(ops).build();
    dest.unary(() -> dest.kv(noDeadline()).txn(txn));
  }

  private static Deadline noDeadline() {
    return Deadline.after(NO_DEADLINE_DAYS, TimeUnit.DAYS);
  }

  /** make-mirror's modifyPrefix: strings.Replace(key, prefix, destPrefix, 1), on bytes. */
  record Renamer(ByteString prefix, ByteString destPrefix) {
    ByteString apply(ByteString key) {
      if (prefix.isEmpty()) {
        return destPrefix.concat(key);
      }
      byte[] k = key.toByteArray();
      byte[] p = prefix.toByteArray();
      for (int i = 0; i + p.length <= k.length; i++) {
        boolean match = true;
        for (int j = 0; j < p.length && match; j++) {
          match = k[i + j] == p[j];
        }
        if (match) {
          return key.substring(0, i).concat(destPrefix).concat(key.substring(i + p.length));
        }
      }
      return key;
    }
  }
}
