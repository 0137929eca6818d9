package io.etcdj.etcdctl.command;

import com.google.protobuf.ByteString;
import io.etcdj.api.authpb.Permission;
import io.etcdj.api.etcdserverpb.AuthRoleAddRequest;
import io.etcdj.api.etcdserverpb.AuthRoleAddResponse;
import io.etcdj.api.etcdserverpb.AuthRoleDeleteRequest;
import io.etcdj.api.etcdserverpb.AuthRoleDeleteResponse;
import io.etcdj.api.etcdserverpb.AuthRoleGetRequest;
import io.etcdj.api.etcdserverpb.AuthRoleGetResponse;
import io.etcdj.api.etcdserverpb.AuthRoleGrantPermissionRequest;
import io.etcdj.api.etcdserverpb.AuthRoleGrantPermissionResponse;
import io.etcdj.api.etcdserverpb.AuthRoleListRequest;
import io.etcdj.api.etcdserverpb.AuthRoleListResponse;
import io.etcdj.api.etcdserverpb.AuthRoleRevokePermissionRequest;
import io.etcdj.api.etcdserverpb.AuthRoleRevokePermissionResponse;
import io.etcdj.etcdctl.cli.Command;
import io.etcdj.etcdctl.cli.CtlException;
import io.etcdj.etcdctl.cli.ExitCode;
import io.etcdj.etcdctl.cli.GoQuote;
import io.etcdj.etcdctl.cli.Invocation;
import io.etcdj.etcdctl.print.Kvs;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/** {@code role add|delete|get|list|grant-permission|revoke-permission} (ctlv3 role_command.go). */
final class RoleCommands {
  private RoleCommands() {}

  static Command role() {
    return new Command("role <subcommand>", "Role related commands")
        .add(
            new Command("add <role name>", "Adds a new role").runner(RoleCommands::runAdd),
            new Command("delete <role name>", "Deletes a role").runner(RoleCommands::runDelete),
            new Command("get <role name>", "Gets detailed information of a role").runner(RoleCommands::runGet),
            new Command("list", "Lists all roles").runner(RoleCommands::runList),
            new Command("grant-permission [options] <role name> <permission type> <key> [endkey]", "Grants a key to a role")
                .boolFlag("prefix", false, "grant a prefix permission")
                .boolFlag(
                    "from-key", false, "grant a permission of keys that are greater than or equal to the given key using byte compare")
                .runner(RoleCommands::runGrantPermission),
            new Command("revoke-permission <role name> <key> [endkey]", "Revokes a key from a role")
                .boolFlag("prefix", false, "revoke a prefix permission")
                .boolFlag(
                    "from-key", false, "revoke a permission of keys that are greater than or equal to the given key using byte compare")
                .runner(RoleCommands::runRevokePermission));
  }

  static void runAdd(Invocation inv) throws InterruptedException {
    String name = oneName(inv, "role add command requires role name as its argument");
    AuthRoleAddResponse resp = AuthCalls.untimed(inv, a -> a.roleAdd(AuthRoleAddRequest.newBuilder().setName(name).build()));
    AuthPrint.headerOnly(inv, resp, resp.getHeader(), () -> inv.println("Role " + name + " created"));
  }

  static void runDelete(Invocation inv) throws InterruptedException {
    String name = oneName(inv, "role delete command requires role name as its argument");
    AuthRoleDeleteResponse resp =
        AuthCalls.untimed(inv, a -> a.roleDelete(AuthRoleDeleteRequest.newBuilder().setRole(name).build()));
    AuthPrint.headerOnly(inv, resp, resp.getHeader(), () -> inv.println("Role " + name + " deleted"));
  }

  static void runGet(Invocation inv) throws InterruptedException {
    String name = oneName(inv, "role get command requires role name as its argument");
    AuthRoleGetResponse resp = AuthCalls.untimed(inv, a -> a.roleGet(AuthRoleGetRequest.newBuilder().setRole(name).build()));
    printGet(inv, name, resp);
  }

  private static String oneName(Invocation inv, String usage) {
    if (inv.args().size() != 1) {
      throw new CtlException(ExitCode.BAD_ARGS, usage);
    }
    return inv.args().get(0);
  }

  /** The RoleGet printer (also used by {@code user get --detail}). */
  static void printGet(Invocation inv, String role, AuthRoleGetResponse resp) {
    AuthPrint.print(
        inv,
        resp,
        () -> {
          inv.println("Role " + role);
          inv.println("KV Read:");
          printPerms(inv, resp.getPermList(), Permission.Type.READ);
          inv.println("KV Write:");
          printPerms(inv, resp.getPermList(), Permission.Type.WRITE);
        },
        () -> {
          Kvs.fieldsHeader(inv, resp.getHeader());
          for (Permission p : resp.getPermList()) {
            Permission.Type t = Permission.Type.forNumber(p.getPermTypeValue());
            // Println joins its operands with a space, hence two spaces after the colon.
            inv.println("\"PermType\" :  " + (t == null ? Integer.toString(p.getPermTypeValue()) : t.name()));
            inv.println("\"Key\" : " + GoQuote.quote(p.getKey().toByteArray()));
            inv.println("\"RangeEnd\" : " + GoQuote.quote(p.getRangeEnd().toByteArray()));
          }
        });
  }

  /** The simple form's permissions of one kind (READWRITE counts as both): a key, or a range. */
  private static void printPerms(Invocation inv, List<Permission> perms, Permission.Type kind) {
    for (Permission p : perms) {
      int t = p.getPermTypeValue();
      if (t != kind.getNumber() && t != Permission.Type.READWRITE_VALUE) {
        continue;
      }
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      line.write('\t');
      ByteString key = p.getKey();
      ByteString end = p.getRangeEnd();
      if (end.isEmpty()) {
        line.writeBytes(key.toByteArray());
      } else {
        line.write('[');
        line.writeBytes(key.toByteArray());
        if (!end.equals(Keys.NUL)) {
          ascii(line, ", ");
          line.writeBytes(end.toByteArray());
          line.write(')');
        } else {
          ascii(line, ", <open ended>");
        }
        if (Keys.prefixEnd(key).equals(end)) {
          ascii(line, " (prefix ");
          line.writeBytes(key.toByteArray());
          line.write(')');
        }
      }
      inv.println(line.toByteArray());
    }
  }

  private static void ascii(ByteArrayOutputStream out, String s) {
    out.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
  }

  static void runList(Invocation inv) throws InterruptedException {
    if (!inv.args().isEmpty()) {
      throw new CtlException(ExitCode.BAD_ARGS, "role list command requires no arguments");
    }
    AuthRoleListResponse resp = AuthCalls.untimed(inv, a -> a.roleList(AuthRoleListRequest.getDefaultInstance()));
    AuthPrint.print(
        inv,
        resp,
        () -> {
          for (int i = 0; i < resp.getRolesCount(); i++) {
            inv.println(resp.getRolesBytes(i).toByteArray());
          }
        },
        () -> {
          Kvs.fieldsHeader(inv, resp.getHeader());
          StringBuilder line = new StringBuilder("\"Roles\" :");
          for (int i = 0; i < resp.getRolesCount(); i++) {
            line.append(' ').append(GoQuote.quote(resp.getRolesBytes(i).toByteArray()));
          }
          inv.println(line.toString());
        });
  }

  static void runGrantPermission(Invocation inv) throws InterruptedException {
    List<String> args = inv.args();
    if (args.size() < 3) {
      throw new CtlException(
          ExitCode.BAD_ARGS, "role grant command requires role name, permission type, and key [endkey] as its argument");
    }
    // clientv3's StrToPermissionType: the enum name in any case.
    Permission.Type type;
    switch (args.get(1).toUpperCase(Locale.ROOT)) {
      case "READ":
        type = Permission.Type.READ;
        break;
      case "WRITE":
        type = Permission.Type.WRITE;
        break;
      case "READWRITE":
        type = Permission.Type.READWRITE;
        break;
      default:
        throw new CtlException(ExitCode.BAD_ARGS, "invalid permission type: " + args.get(1));
    }
    ByteString[] range = permRange(inv, args.subList(2, args.size()));
    Permission perm = Permission.newBuilder().setKey(range[0]).setRangeEnd(range[1]).setPermType(type).build();
    AuthRoleGrantPermissionRequest req = AuthRoleGrantPermissionRequest.newBuilder().setName(args.get(0)).setPerm(perm).build();
    AuthRoleGrantPermissionResponse resp = AuthCalls.untimed(inv, a -> a.roleGrantPermission(req));
    AuthPrint.headerOnly(inv, resp, resp.getHeader(), () -> inv.println("Role " + args.get(0) + " updated"));
  }

  static void runRevokePermission(Invocation inv) throws InterruptedException {
    List<String> args = inv.args();
    if (args.size() < 2) {
      throw new CtlException(ExitCode.BAD_ARGS, "role revoke-permission command requires role name and key [endkey] as its argument");
    }
    ByteString[] range = permRange(inv, args.subList(1, args.size()));
    AuthRoleRevokePermissionRequest req =
        AuthRoleRevokePermissionRequest.newBuilder().setRole(args.get(0)).setKey(range[0]).setRangeEnd(range[1]).build();
    AuthRoleRevokePermissionResponse resp = AuthCalls.untimed(inv, a -> a.roleRevokePermission(req));
    // The message names the key as typed, not the "\0" an empty key became.
    String role = args.get(0);
    ByteString key = Keys.bytes(args.get(1));
    ByteString end = range[1];
    AuthPrint.headerOnly(
        inv,
        resp,
        resp.getHeader(),
        () -> {
          ByteArrayOutputStream line = new ByteArrayOutputStream();
          if (end.isEmpty()) {
            ascii(line, "Permission of key ");
            line.writeBytes(key.toByteArray());
          } else {
            ascii(line, "Permission of range [");
            line.writeBytes(key.toByteArray());
            if (!end.equals(Keys.NUL)) {
              ascii(line, ", ");
              line.writeBytes(end.toByteArray());
              ascii(line, ")");
            } else {
              ascii(line, ", <open ended>");
            }
          }
          line.writeBytes((" is revoked from role " + role).getBytes(StandardCharsets.UTF_8));
          inv.println(line.toByteArray());
        });
  }

  /**
   * The permission's key and range end from {@code key [endkey]} and the flags. An empty key means
   * the whole key space, which etcd writes as the key "\0" (with range end "\0" for --prefix or
   * --from-key); an endkey after an empty key is ignored, as etcdctl ignores it.
   */
  private static ByteString[] permRange(Invocation inv, List<String> keyArgs) {
    boolean prefix = inv.bool("prefix");
    boolean fromKey = inv.bool("from-key");
    String key = keyArgs.get(0);
    if (key.isEmpty()) {
      if (prefix && fromKey) {
        throw new CtlException(ExitCode.BAD_ARGS, "--from-key and --prefix flags are mutually exclusive");
      }
      return new ByteString[] {Keys.NUL, prefix || fromKey ? Keys.NUL : ByteString.EMPTY};
    }
    ByteString k = Keys.bytes(key);
    if (keyArgs.size() == 1) {
      if (prefix) {
        if (fromKey) {
          throw new CtlException(ExitCode.BAD_ARGS, "--from-key and --prefix flags are mutually exclusive");
        }
        return new ByteString[] {k, Keys.prefixEnd(k)};
      }
      return new ByteString[] {k, fromKey ? Keys.NUL : ByteString.EMPTY};
    }
    if (prefix) {
      throw new CtlException(ExitCode.BAD_ARGS, "unexpected endkey argument with --prefix flag");
    }
    if (fromKey) {
      throw new CtlException(ExitCode.BAD_ARGS, "unexpected endkey argument with --from-key flag");
    }
    return new ByteString[] {k, Keys.bytes(keyArgs.get(1))};
  }
}
