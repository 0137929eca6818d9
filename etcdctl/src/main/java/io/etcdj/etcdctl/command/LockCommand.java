package io.etcdj.etcdctl.command;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.RangeResponse;
import io.etcdj.api.v3lockpb.LockGrpc;
import io.etcdj.api.v3lockpb.LockRequest;
import io.etcdj.api.v3lockpb.LockResponse;
import io.etcdj.api.v3lockpb.UnlockRequest;
import io.etcdj.etcdctl.cli.Command;
import io.etcdj.etcdctl.cli.CtlException;
import io.etcdj.etcdctl.cli.ExitCode;
import io.etcdj.etcdctl.cli.Invocation;
import io.etcdj.etcdctl.client.Client;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * {@code lock <lockname> [exec-command arg1 arg2 ...]} (ctlv3 lock_command.go). The lock is taken
 * through the v3lock service under a session lease ({@link Session}, --ttl seconds), which gives
 * the key and revision clientv3's Mutex would: {@code <lockname>/<lease id in hex>}. Without a
 * command it prints the lock key and holds the lock until interrupted, then releases it; with one
 * it runs the command holding the lock ({@code ETCD_LOCK_KEY}, {@code ETCD_LOCK_REV} in its
 * environment) and releases it when the command ends.
 */
final class LockCommand {
  private LockCommand() {}

  static Command lock() {
    return new Command("lock <lockname> [exec-command arg1 arg2 ...]", "Acquires a named lock")
        .intFlag("ttl", 10, "timeout for session")
        .runner(LockCommand::run);
  }

  static void run(Invocation inv) throws InterruptedException {
    List<String> args = inv.args();
    if (args.isEmpty()) {
      throw new CtlException(ExitCode.BAD_ARGS, "lock takes a lock name argument and an optional command to execute");
    }
    Client c = inv.client();
    try (Session s = Session.open(c, inv.int64("ttl"))) {
      Channel ch = c.channel(c.commandDeadline());
      LockRequest req = LockRequest.newBuilder().setName(Keys.bytes(args.get(0))).setLease(s.lease()).build();
      AsyncCall<LockResponse> call = AsyncCall.unary(ch, LockGrpc.getLockMethod(), req);
      LockResponse locked = await(c, call, inv);
      if (locked == null) {
        // Interrupted while waiting: the cancelled call gives the lock up on the server.
        throw new CtlException(ExitCode.ERROR, "context canceled");
      }
      if (args.size() > 1) {
        runHolding(inv, c, ch, locked, args.subList(1, args.size()));
        return;
      }
      RangeRequest get = RangeRequest.newBuilder().setKey(locked.getKey()).build();
      RangeResponse held = c.unary(() -> KVGrpc.newBlockingStub(ch).withWaitForReady().range(get));
      if (held.getKvsCount() == 0) {
        throw new CtlException(ExitCode.ERROR, "lock lost on init");
      }
      KvCommands.printGet(inv, held, false);
      inv.out().flush();
      try {
        CompletableFuture.anyOf(inv.io().interrupt(), s.done()).get();
      } catch (ExecutionException e) {
        throw new IllegalStateException(e.getCause());
      }
      if (!inv.io().interrupt().isDone()) {
        throw new CtlException(ExitCode.ERROR, "session expired");
      }
      unlock(c, ch, locked.getKey());
    }
  }

  private static void runHolding(Invocation inv, Client c, Channel ch, LockResponse locked, List<String> argv) throws InterruptedException {
    Map<String, String> lockEnv = new LinkedHashMap<>();
    lockEnv.put("ETCD_LOCK_KEY", locked.getKey().toString(StandardCharsets.UTF_8));
    lockEnv.put("ETCD_LOCK_REV", Long.toString(locked.getHeader().getRevision()));
    // The command is not stopped by an interrupt: etcdctl only releases the lock once it has ended.
    String failed = GoExec.run(argv, GoExec.env(lockEnv, inv.io().env()), inv.out(), inv.err());
    try {
      unlock(c, ch, locked.getKey());
    } catch (CtlException e) {
      if (failed == null) {
        throw e;
      }
    }
    if (failed != null) {
      throw new CtlException(ExitCode.ERROR, failed);
    }
  }

  /** Releases the lock; under context.TODO(), as etcdctl's Unlock: no deadline. */
  private static void unlock(Client c, Channel ch, ByteString key) throws InterruptedException {
    UnlockRequest req = UnlockRequest.newBuilder().setKey(key).build();
    c.unary(() -> LockGrpc.newBlockingStub(ch).withWaitForReady().unlock(req));
  }

  /** The lock, or null when interrupted first; a failure ends the command with its Go text. */
  private static LockResponse await(Client c, AsyncCall<LockResponse> call, Invocation inv) throws InterruptedException {
    try {
      return call.awaitOrInterrupt(inv.io());
    } catch (StatusRuntimeException e) {
      throw c.fail(e);
    }
  }
}
