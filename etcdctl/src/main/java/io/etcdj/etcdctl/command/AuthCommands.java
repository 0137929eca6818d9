package io.etcdj.etcdctl.command;

import io.etcdj.api.etcdserverpb.AuthDisableRequest;
import io.etcdj.api.etcdserverpb.AuthEnableRequest;
import io.etcdj.api.etcdserverpb.AuthRoleAddRequest;
import io.etcdj.api.etcdserverpb.AuthUserGrantRoleRequest;
import io.etcdj.etcdctl.cli.Command;
import io.etcdj.etcdctl.cli.CtlException;
import io.etcdj.etcdctl.cli.ExitCode;
import io.etcdj.etcdctl.cli.Invocation;
import io.etcdj.etcdctl.client.Client;
import io.grpc.Deadline;
import io.grpc.StatusRuntimeException;

/**
 * {@code auth enable} and {@code auth disable} (ctlv3 auth_command.go). Both print a fixed line
 * whatever the output format. 3.4 has no {@code auth status}.
 */
final class AuthCommands {
  private AuthCommands() {}

  /** etcd's ErrRootRoleNotExist: the root user exists but lacks the root role. */
  private static final String ROOT_ROLE_MISSING = "etcdserver: root user does not have root role";

  static Command auth() {
    return new Command("auth <enable or disable>", "Enable or disable authentication")
        .add(
            new Command("enable", "Enables authentication").runner(AuthCommands::runEnable),
            new Command("disable", "Disables authentication").runner(AuthCommands::runDisable));
  }

  /**
   * Enables auth. When the root user lacks the root role, etcdctl creates the role, grants it to
   * root and tries again, all within one command timeout.
   */
  static void runEnable(Invocation inv) throws InterruptedException {
    if (!inv.args().isEmpty()) {
      throw new CtlException(ExitCode.BAD_ARGS, "auth enable command does not accept any arguments");
    }
    Client c = inv.client();
    Deadline d = c.commandDeadline();
    while (true) {
      try {
        c.auth(d).authEnable(AuthEnableRequest.getDefaultInstance());
        break;
      } catch (StatusRuntimeException e) {
        CtlException failed = c.fail(e);
        if (!ROOT_ROLE_MISSING.equals(e.getStatus().getDescription())) {
          throw failed;
        }
      }
      c.unary(() -> c.auth(d).roleAdd(AuthRoleAddRequest.newBuilder().setName("root").build()));
      c.unary(() -> c.auth(d).userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser("root").setRole("root").build()));
    }
    inv.println("Authentication Enabled");
  }

  static void runDisable(Invocation inv) throws InterruptedException {
    if (!inv.args().isEmpty()) {
      throw new CtlException(ExitCode.BAD_ARGS, "auth disable command does not accept any arguments");
    }
    Client c = inv.client();
    Deadline d = c.commandDeadline();
    c.unary(() -> c.auth(d).authDisable(AuthDisableRequest.getDefaultInstance()));
    inv.println("Authentication Disabled");
  }
}
