package io.etcdj.etcdctl.command;

import io.etcdj.api.etcdserverpb.AuthGrpc;
import io.etcdj.etcdctl.cli.CtlException;
import io.etcdj.etcdctl.cli.ExitCode;
import io.etcdj.etcdctl.cli.Invocation;
import io.etcdj.etcdctl.client.Client;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.TimeUnit;

/**
 * The Auth RPCs of etcdctl's user and role commands. Those pass {@code context.TODO()}, not the
 * command timeout: a call waits for a connection as long as it takes (stock etcdctl against a
 * dead endpoint hangs until Ctrl-C). Here the wait ends when the run is interrupted, silently, as
 * the stock process dies of the signal.
 *
 * <p>Used by the command's thread.
 */
final class AuthCalls {
  private AuthCalls() {}

  /** One Auth call of a user or role command. */
  @FunctionalInterface
  interface Rpc<R> {
    R call(AuthGrpc.AuthBlockingStub auth);
  }

  static <R> R untimed(Invocation inv, Rpc<R> rpc) throws InterruptedException {
    Client c = inv.client();
    // gRPC's deadline is bounded (about a century); that is as good as none.
    Deadline none = Deadline.after(Long.MAX_VALUE, TimeUnit.NANOSECONDS);
    AuthGrpc.AuthBlockingStub stub = c.auth(none);
    Context.CancellableContext ctx = Context.current().withCancellation();
    inv.io().interrupt().whenComplete((v, e) -> ctx.cancel(null));
    try {
      return ctx.call(() -> rpc.call(stub));
    } catch (StatusRuntimeException e) {
      if (inv.io().interrupt().isDone()) {
        throw new CtlException.Silent(ExitCode.INTERRUPTED);
      }
      throw c.fail(e);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("unexpected checked exception from a blocking stub", e);
    } finally {
      ctx.cancel(null);
    }
  }
}
