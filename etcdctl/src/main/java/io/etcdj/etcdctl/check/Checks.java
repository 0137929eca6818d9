package io.etcdj.etcdctl.check;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.CompactionRequest;
import io.etcdj.api.etcdserverpb.DefragmentRequest;
import io.etcdj.api.etcdserverpb.DeleteRangeRequest;
import io.etcdj.api.etcdserverpb.DeleteRangeResponse;
import io.etcdj.api.etcdserverpb.MaintenanceGrpc;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.RangeResponse;
import io.etcdj.etcdctl.cli.CtlException;
import io.etcdj.etcdctl.cli.ExitCode;
import io.etcdj.etcdctl.cli.GoQuote;
import io.etcdj.etcdctl.cli.Invocation;
import io.etcdj.etcdctl.client.Client;
import io.etcdj.etcdctl.client.Endpoints;
import io.grpc.Deadline;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** What both checks do before and after their load (check.go, compaction_command.go, defrag_command.go). */
final class Checks {
  /** The exit status a shell reports for etcdctl ended by Ctrl-C (128 + SIGINT). */
  static final int EXIT_SIGINT = 130;
  /** etcdctl's compact() and defrag() helpers time out after 30 s. */
  static final long MAINTENANCE_TIMEOUT_SECONDS = 30;
  /** A wait etcdctl makes without deadline (context.Background) is bounded here by a year. */
  static final long NO_DEADLINE_DAYS = 365;

  private Checks() {}

  static Deadline deadline(long timeoutSeconds) {
    return timeoutSeconds > 0 ? Deadline.after(timeoutSeconds, TimeUnit.SECONDS) : Deadline.after(NO_DEADLINE_DAYS, TimeUnit.DAYS);
  }

  /** The check refuses to run over existing keys under its prefix (exit 3). */
  static void requireEmptyPrefix(Client c, String prefix, long timeoutSeconds) throws InterruptedException {
    ByteString key = ByteString.copyFromUtf8(prefix);
    RangeRequest req = RangeRequest.newBuilder().setKey(key).setRangeEnd(prefixEnd(key)).setLimit(1).build();
    Deadline d = deadline(timeoutSeconds);
    RangeResponse resp = c.unary(() -> c.kv(d).range(req));
    if (resp.getKvsCount() > 0) {
      throw new CtlException(
          ExitCode.INVALID_INPUT, "prefix " + GoQuote.quote(prefix) + " has keys. Delete with etcdctl del --prefix " + prefix + " first");
    }
  }

  /** Deletes the prefix, then compacts and defragments when asked. */
  static void cleanUp(Invocation inv, Client c, String prefix, long deleteTimeoutSeconds) throws InterruptedException {
    ByteString key = ByteString.copyFromUtf8(prefix);
    DeleteRangeRequest req = DeleteRangeRequest.newBuilder().setKey(key).setRangeEnd(prefixEnd(key)).build();
    Deadline d = deadline(deleteTimeoutSeconds);
    DeleteRangeResponse resp = c.unary(() -> c.kv(d).deleteRange(req));
    if (inv.bool("auto-compact")) {
      long rev = resp.getHeader().getRevision();
      inv.println("Compacting with revision " + rev);
      Deadline cd = deadline(MAINTENANCE_TIMEOUT_SECONDS);
      c.unary(() -> c.kv(cd).compact(CompactionRequest.newBuilder().setRevision(rev).setPhysical(true).build()));
      inv.println("Compacted with revision " + rev);
    }
    if (inv.bool("auto-defrag")) {
      for (Endpoints.Target t : c.targets()) {
        String ep = t.text();
        inv.println("Defragmenting " + GoQuote.quote(ep));
        Deadline dd = deadline(MAINTENANCE_TIMEOUT_SECONDS);
        c.unary(() -> MaintenanceGrpc.newBlockingStub(c.channelFor(ep)).withDeadline(dd).withWaitForReady().defragment(DefragmentRequest.getDefaultInstance()));
        inv.println("Defragmented " + GoQuote.quote(ep));
      }
    }
  }

  /** Prints the error distribution as check.go does; returns false when there were errors. */
  static boolean printErrors(Invocation inv, LoadStats s) {
    Map<String, Long> errors = s.errors();
    if (errors.isEmpty()) {
      return true;
    }
    inv.println("FAIL: too many errors");
    for (Map.Entry<String, Long> e : errors.entrySet()) {
      inv.println("FAIL: ERROR(" + e.getKey() + ") -> " + e.getValue());
    }
    return false;
  }

  /** Ctrl-C ends a check where it is, as the signal ends etcdctl. */
  static void interrupted(Invocation inv) {
    if (inv.io().interrupt().isDone()) {
      throw new CtlException.Silent(EXIT_SIGINT);
    }
  }

  static Thread daemon(String name, Runnable r) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** clientv3.GetPrefixRangeEnd: the prefix with its last byte below 0xff incremented. */
  static ByteString prefixEnd(ByteString prefix) {
    byte[] end = prefix.toByteArray();
    for (int i = end.length - 1; i >= 0; i--) {
      if ((end[i] & 0xff) < 0xff) {
        end[i]++;
        return ByteString.copyFrom(end, 0, i + 1);
      }
    }
    return ByteString.copyFrom(new byte[] {0});
  }
}
