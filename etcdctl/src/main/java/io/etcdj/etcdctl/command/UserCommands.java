package io.etcdj.etcdctl.command;

import io.etcdj.api.authpb.UserAddOptions;
import io.etcdj.api.etcdserverpb.AuthRoleGetRequest;
import io.etcdj.api.etcdserverpb.AuthRoleGetResponse;
import io.etcdj.api.etcdserverpb.AuthUserAddRequest;
import io.etcdj.api.etcdserverpb.AuthUserAddResponse;
import io.etcdj.api.etcdserverpb.AuthUserChangePasswordRequest;
import io.etcdj.api.etcdserverpb.AuthUserChangePasswordResponse;
import io.etcdj.api.etcdserverpb.AuthUserDeleteRequest;
import io.etcdj.api.etcdserverpb.AuthUserDeleteResponse;
import io.etcdj.api.etcdserverpb.AuthUserGetRequest;
import io.etcdj.api.etcdserverpb.AuthUserGetResponse;
import io.etcdj.api.etcdserverpb.AuthUserGrantRoleRequest;
import io.etcdj.api.etcdserverpb.AuthUserGrantRoleResponse;
import io.etcdj.api.etcdserverpb.AuthUserListRequest;
import io.etcdj.api.etcdserverpb.AuthUserListResponse;
import io.etcdj.api.etcdserverpb.AuthUserRevokeRoleRequest;
import io.etcdj.api.etcdserverpb.AuthUserRevokeRoleResponse;
import io.etcdj.etcdctl.cli.Command;
import io.etcdj.etcdctl.cli.CtlException;
import io.etcdj.etcdctl.cli.ExitCode;
import io.etcdj.etcdctl.cli.Invocation;

/** {@code user add|delete|get|list|passwd|grant-role|revoke-role} (ctlv3 user_command.go). */
final class UserCommands {
  private UserCommands() {}

  static Command user() {
    return new Command("user <subcommand>", "User related commands")
        .add(
            new Command("add <user name or user:password> [options]", "Adds a new user")
                .boolFlag("interactive", true, "Read password from stdin instead of interactive terminal")
                .stringFlag("new-user-password", "", "Supply password from the command line flag")
                .boolFlag("no-password", false, "Create a user without password (CN based auth only)")
                .runner(UserCommands::runAdd),
            new Command("delete <user name>", "Deletes a user").runner(UserCommands::runDelete),
            new Command("get <user name> [options]", "Gets detailed information of a user")
                .boolFlag("detail", false, "Show permissions of roles granted to the user")
                .runner(UserCommands::runGet),
            new Command("list", "Lists all users").runner(UserCommands::runList),
            new Command("passwd <user name> [options]", "Changes password of user")
                .boolFlag("interactive", true, "If true, read password from stdin instead of interactive terminal")
                .runner(UserCommands::runPasswd),
            new Command("grant-role <user name> <role name>", "Grants a role to a user").runner(UserCommands::runGrantRole),
            new Command("revoke-role <user name> <role name>", "Revokes a role from a user")
                .runner(UserCommands::runRevokeRole));
  }

  /**
   * The new user's name and password: {@code --no-password} takes the argument as the name;
   * {@code --new-user-password} gives the password; else {@code name:password}, else a prompt (or
   * a word of stdin with {@code --interactive=false}).
   */
  static void runAdd(Invocation inv) throws InterruptedException {
    if (inv.args().size() != 1) {
      throw new CtlException(ExitCode.BAD_ARGS, "user add command requires user name as its argument");
    }
    String arg = inv.args().get(0);
    String user = arg;
    String password = "";
    boolean noPassword = inv.bool("no-password");
    if (!noPassword) {
      String fromFlag = inv.string("new-user-password");
      int colon = arg.indexOf(':');
      if (!fromFlag.isEmpty()) {
        password = fromFlag;
      } else if (colon < 0) {
        password = inv.bool("interactive") ? Passwords.interactive(inv.io(), arg) : Passwords.scanWord(inv.io().in());
      } else {
        user = arg.substring(0, colon);
        password = arg.substring(colon + 1);
        if (user.isEmpty()) {
          throw new CtlException(ExitCode.BAD_ARGS, "empty user name is not allowed");
        }
      }
    }
    AuthUserAddRequest req =
        AuthUserAddRequest.newBuilder()
            .setName(user)
            .setPassword(password)
            .setOptions(UserAddOptions.newBuilder().setNoPassword(noPassword))
            .build();
    AuthUserAddResponse resp = AuthCalls.untimed(inv, a -> a.userAdd(req));
    String name = user;
    AuthPrint.headerOnly(inv, resp, resp.getHeader(), () -> inv.println("User " + name + " created"));
  }

  static void runDelete(Invocation inv) throws InterruptedException {
    if (inv.args().size() != 1) {
      throw new CtlException(ExitCode.BAD_ARGS, "user delete command requires user name as its argument");
    }
    String name = inv.args().get(0);
    AuthUserDeleteResponse resp =
        AuthCalls.untimed(inv, a -> a.userDelete(AuthUserDeleteRequest.newBuilder().setName(name).build()));
    AuthPrint.headerOnly(inv, resp, resp.getHeader(), () -> inv.println("User " + name + " deleted"));
  }

  /** The user's roles; with {@code --detail}, each role's permissions in the role get form instead. */
  static void runGet(Invocation inv) throws InterruptedException {
    if (inv.args().size() != 1) {
      throw new CtlException(ExitCode.BAD_ARGS, "user get command requires user name as its argument");
    }
    String name = inv.args().get(0);
    AuthUserGetResponse resp = AuthCalls.untimed(inv, a -> a.userGet(AuthUserGetRequest.newBuilder().setName(name).build()));
    if (inv.bool("detail")) {
      // etcdctl writes these lines itself, whatever the output format.
      inv.println("User: " + name);
      for (String role : resp.getRolesList()) {
        inv.println("");
        AuthRoleGetResponse r = AuthCalls.untimed(inv, a -> a.roleGet(AuthRoleGetRequest.newBuilder().setRole(role).build()));
        RoleCommands.printGet(inv, role, r);
      }
      return;
    }
    AuthPrint.noFields(
        inv,
        resp,
        () -> {
          StringBuilder roles = new StringBuilder("Roles:");
          for (String role : resp.getRolesList()) {
            roles.append(' ').append(role);
          }
          inv.println("User: " + name);
          inv.println(roles.toString());
        });
  }

  static void runList(Invocation inv) throws InterruptedException {
    if (!inv.args().isEmpty()) {
      throw new CtlException(ExitCode.BAD_ARGS, "user list command requires no arguments");
    }
    AuthUserListResponse resp = AuthCalls.untimed(inv, a -> a.userList(AuthUserListRequest.getDefaultInstance()));
    AuthPrint.noFields(
        inv,
        resp,
        () -> {
          for (int i = 0; i < resp.getUsersCount(); i++) {
            inv.println(resp.getUsersBytes(i).toByteArray());
          }
        });
  }

  static void runPasswd(Invocation inv) throws InterruptedException {
    if (inv.args().size() != 1) {
      throw new CtlException(ExitCode.BAD_ARGS, "user passwd command requires user name as its argument");
    }
    String name = inv.args().get(0);
    String password = inv.bool("interactive") ? Passwords.interactive(inv.io(), name) : Passwords.scanWord(inv.io().in());
    AuthUserChangePasswordRequest req = AuthUserChangePasswordRequest.newBuilder().setName(name).setPassword(password).build();
    AuthUserChangePasswordResponse resp = AuthCalls.untimed(inv, a -> a.userChangePassword(req));
    AuthPrint.headerOnly(inv, resp, resp.getHeader(), () -> inv.println("Password updated"));
  }

  static void runGrantRole(Invocation inv) throws InterruptedException {
    if (inv.args().size() != 2) {
      throw new CtlException(ExitCode.BAD_ARGS, "user grant command requires user name and role name as its argument");
    }
    String user = inv.args().get(0);
    String role = inv.args().get(1);
    AuthUserGrantRoleRequest req = AuthUserGrantRoleRequest.newBuilder().setUser(user).setRole(role).build();
    AuthUserGrantRoleResponse resp = AuthCalls.untimed(inv, a -> a.userGrantRole(req));
    AuthPrint.headerOnly(inv, resp, resp.getHeader(), () -> inv.println("Role " + role + " is granted to user " + user));
  }

  static void runRevokeRole(Invocation inv) throws InterruptedException {
    if (inv.args().size() != 2) {
      throw new CtlException(ExitCode.BAD_ARGS, "user revoke-role requires user name and role name as its argument");
    }
    String user = inv.args().get(0);
    String role = inv.args().get(1);
    AuthUserRevokeRoleRequest req = AuthUserRevokeRoleRequest.newBuilder().setName(user).setRole(role).build();
    AuthUserRevokeRoleResponse resp = AuthCalls.untimed(inv, a -> a.userRevokeRole(req));
    AuthPrint.headerOnly(inv, resp, resp.getHeader(), () -> inv.println("Role " + role + " is revoked from user " + user));
  }
}
