package io.etcdj.etcdctl.command;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.DeleteRangeRequest;
import io.etcdj.api.etcdserverpb.DeleteRangeResponse;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.PutResponse;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.RangeResponse;
import io.etcdj.api.mvccpb.KeyValue;
import io.etcdj.etcdctl.cli.Command;
import io.etcdj.etcdctl.cli.CtlException;
import io.etcdj.etcdctl.cli.ExitCode;
import io.etcdj.etcdctl.cli.GoParse;
import io.etcdj.etcdctl.cli.GoQuote;
import io.etcdj.etcdctl.cli.Invocation;
import io.etcdj.etcdctl.cli.OutputFormat;
import io.etcdj.etcdctl.client.Client;
import io.etcdj.etcdctl.print.GoJson;
import io.etcdj.etcdctl.print.Kvs;
import io.grpc.Deadline;
import java.io.IOException;
import java.util.Locale;

/** {@code get}, {@code put} and {@code del} (ctlv3 get_command.go, put_command.go, del_command.go). */
public final class KvCommands {
  private KvCommands() {}

  public static Command get() {
    return new Command("get [options] <key> [range_end]", "Gets the key or a range of keys")
        .stringFlag("consistency", "l", "Linearizable(l) or Serializable(s)")
        .stringFlag("order", "", "Order of results; ASCEND or DESCEND (ASCEND by default)")
        .stringFlag("sort-by", "", "Sort target; CREATE, KEY, MODIFY, VALUE, or VERSION")
        .int64Flag("limit", 0, "Maximum number of results")
        .boolFlag("prefix", false, "Get keys with matching prefix")
        .boolFlag("from-key", false, "Get keys that are greater than or equal to the given key using byte compare")
        .int64Flag("rev", 0, "Specify the kv revision")
        .boolFlag("keys-only", false, "Get only the keys")
        .boolFlag("print-value-only", false, "Only write values when using the \"simple\" output format")
        .boolFlag("count-only", false, "Get only the count")
        .runner(KvCommands::runGet);
  }

  static void runGet(Invocation inv) throws InterruptedException {
    RangeRequest req = getRequest(inv);
    Client c = inv.client();
    Deadline d = c.commandDeadline();
    RangeResponse resp = c.unary(() -> c.kv(d).range(req));
    OutputFormat fmt = inv.format();
    boolean valueOnly = inv.bool("print-value-only");
    if (valueOnly && fmt != OutputFormat.SIMPLE) {
      throw new CtlException(ExitCode.BAD_ARGS, "print-value-only is only for `--write-out=simple`");
    }
    // etcd 3.5's --count-only prints only with the fields printer, which shows the count.
    if (inv.bool("count-only") && fmt != OutputFormat.FIELDS) {
      throw new CtlException(ExitCode.BAD_ARGS, "--count-only is only for `--write-out=fields`");
    }
    printGet(inv, resp, valueOnly);
  }

  static RangeRequest getRequest(Invocation inv) {
    var args = inv.args();
    if (args.isEmpty()) {
      throw new CtlException(ExitCode.BAD_ARGS, "get command needs one argument as key and an optional argument as range_end");
    }
    boolean prefix = inv.bool("prefix");
    boolean fromKey = inv.bool("from-key");
    if (prefix && fromKey) {
      throw new CtlException(ExitCode.BAD_ARGS, "`--prefix` and `--from-key` cannot be set at the same time, choose one");
    }
    RangeRequest.Builder b = RangeRequest.newBuilder();
    String consistency = inv.string("consistency");
    switch (consistency) {
      case "s":
        b.setSerializable(true);
        break;
      case "l":
        break;
      default:
        throw new CtlException(ExitCode.BAD_FEATURE, "unknown consistency flag " + GoQuote.quote(consistency));
    }
    ByteString key = inv.argBytes(args.get(0));
    if (args.size() > 1) {
      if (prefix || fromKey) {
        throw new CtlException(ExitCode.BAD_ARGS, "too many arguments, only accept one argument when `--prefix` or `--from-key` is set");
      }
      b.setRangeEnd(inv.argBytes(args.get(1)));
    }
    b.setLimit(inv.int64("limit"));
    long rev = inv.int64("rev");
    if (rev > 0) {
      b.setRevision(rev);
    }
    String order = inv.string("order").toUpperCase(Locale.ROOT);
    RangeRequest.SortOrder sortOrder;
    switch (order) {
      case "ASCEND":
        sortOrder = RangeRequest.SortOrder.ASCEND;
        break;
      case "DESCEND":
        sortOrder = RangeRequest.SortOrder.DESCEND;
        break;
      case "":
        sortOrder = RangeRequest.SortOrder.NONE;
        break;
      default:
        throw new CtlException(ExitCode.BAD_FEATURE, "bad sort order " + inv.string("order"));
    }
    String target = inv.string("sort-by").toUpperCase(Locale.ROOT);
    RangeRequest.SortTarget sortTarget;
    switch (target) {
      case "CREATE":
        sortTarget = RangeRequest.SortTarget.CREATE;
        break;
      case "KEY":
      case "":
        sortTarget = RangeRequest.SortTarget.KEY;
        break;
      case "MODIFY":
        sortTarget = RangeRequest.SortTarget.MOD;
        break;
      case "VALUE":
        sortTarget = RangeRequest.SortTarget.VALUE;
        break;
      case "VERSION":
        sortTarget = RangeRequest.SortTarget.VERSION;
        break;
      default:
        throw new CtlException(ExitCode.BAD_FEATURE, "bad sort target " + inv.string("sort-by"));
    }
    // clientv3's WithSort: a KEY/ASCEND sort is the server's natural order, so it sends none.
    if (sortTarget == RangeRequest.SortTarget.KEY && sortOrder == RangeRequest.SortOrder.ASCEND) {
      sortOrder = RangeRequest.SortOrder.NONE;
    }
    b.setSortOrder(sortOrder).setSortTarget(sortTarget);
    if (prefix) {
      if (key.isEmpty()) {
        key = Keys.NUL;
        b.setRangeEnd(Keys.NUL);
      } else {
        b.setRangeEnd(Keys.prefixEnd(key));
      }
    }
    if (fromKey) {
      if (key.isEmpty()) {
        key = Keys.NUL;
      }
      b.setRangeEnd(Keys.NUL);
    }
    b.setKeysOnly(inv.bool("keys-only"));
    b.setCountOnly(inv.bool("count-only"));
    return b.setKey(key).build();
  }

  /** The Get printer in every format (also used for a txn's range results). */
  static void printGet(Invocation inv, RangeResponse resp, boolean valueOnly) {
    switch (inv.format()) {
      case SIMPLE:
        for (KeyValue kv : resp.getKvsList()) {
          Kvs.simple(inv, kv, valueOnly);
        }
        break;
      case JSON:
        inv.println(GoJson.marshal(resp));
        break;
      case FIELDS:
        Kvs.fieldsHeader(inv, resp.getHeader());
        for (KeyValue kv : resp.getKvsList()) {
          Kvs.fieldsKv(inv, "", kv);
        }
        inv.println("\"More\" : " + resp.getMore());
        inv.println("\"Count\" : " + resp.getCount());
        break;
      case PROTOBUF:
        Kvs.protobuf(inv, resp);
        break;
      default:
        throw inv.format().unsupported();
    }
  }

  public static Command put() {
    return new Command("put [options] <key> <value> (<value> can also be given from stdin)", "Puts the given key into the store")
        .longDesc(
            "\nPuts the given key into the store.\n\n"
                + "When <value> begins with '-', <value> is interpreted as a flag.\n"
                + "Insert '--' for workaround:\n\n"
                + "$ put <key> -- <value>\n"
                + "$ put -- <key> <value>\n\n"
                + "If <value> isn't given as a command line argument and '--ignore-value' is not specified,\n"
                + "this command tries to read the value from standard input.\n\n"
                + "If <lease> isn't given as a command line argument and '--ignore-lease' is not specified,\n"
                + "this command tries to read the value from standard input.\n\n"
                + "For example,\n"
                + "$ cat file | put <key>\n"
                + "will store the content of the file to <key>.\n")
        .stringFlag("lease", "0", "lease ID (in hexadecimal) to attach to the key")
        .boolFlag("prev-kv", false, "return the previous key-value pair before modification")
        .boolFlag("ignore-value", false, "updates the key using its current value")
        .boolFlag("ignore-lease", false, "updates the key using its current lease")
        .runner(KvCommands::runPut);
  }

  static void runPut(Invocation inv) throws InterruptedException, IOException {
    PutRequest req = putRequest(inv);
    Client c = inv.client();
    Deadline d = c.commandDeadline();
    PutResponse resp = c.unary(() -> c.kv(d).put(req));
    printPut(inv, resp);
  }

  /** etcdctl's getPutOp: the request, or the command's argument error. */
  static PutRequest putRequest(Invocation inv) throws IOException {
    var args = inv.args();
    String usage = "put command needs 1 argument and input from stdin or 2 arguments";
    if (args.isEmpty()) {
      throw new CtlException(ExitCode.BAD_ARGS, usage);
    }
    boolean ignoreValue = inv.bool("ignore-value");
    if (ignoreValue && args.size() > 1) {
      throw new CtlException(ExitCode.BAD_ARGS, "put command needs only 1 argument when 'ignore-value' is set");
    }
    ByteString value = ByteString.EMPTY;
    if (!ignoreValue) {
      if (args.size() > 1) {
        value = inv.argBytes(args.get(1));
      } else {
        byte[] in = inv.io().in().readAllBytes();
        if (in.length == 0) {
          throw new CtlException(ExitCode.BAD_ARGS, usage);
        }
        value = ByteString.copyFrom(in);
      }
    }
    long lease;
    try {
      lease = GoParse.parseHex(inv.string("lease"), "strconv.ParseInt", true);
    } catch (IllegalArgumentException e) {
      throw new CtlException(ExitCode.BAD_ARGS, "bad lease ID (" + e.getMessage() + "), expecting ID in Hex");
    }
    return PutRequest.newBuilder()
        .setKey(inv.argBytes(args.get(0)))
        .setValue(value)
        .setLease(lease)
        .setPrevKv(inv.bool("prev-kv"))
        .setIgnoreValue(ignoreValue)
        .setIgnoreLease(inv.bool("ignore-lease"))
        .build();
  }

  static void printPut(Invocation inv, PutResponse resp) {
    switch (inv.format()) {
      case SIMPLE:
        inv.println("OK");
        if (resp.hasPrevKv()) {
          Kvs.simple(inv, resp.getPrevKv(), false);
        }
        break;
      case JSON:
        inv.println(GoJson.marshal(resp));
        break;
      case FIELDS:
        Kvs.fieldsHeader(inv, resp.getHeader());
        if (resp.hasPrevKv()) {
          Kvs.fieldsKv(inv, "Prev", resp.getPrevKv());
        }
        break;
      case PROTOBUF:
        Kvs.protobuf(inv, resp);
        break;
      default:
        throw inv.format().unsupported();
    }
  }

  public static Command del() {
    return new Command("del [options] <key> [range_end]", "Removes the specified key or range of keys [key, range_end)")
        .boolFlag("prefix", false, "delete keys with matching prefix")
        .boolFlag("prev-kv", false, "return deleted key-value pairs")
        .boolFlag("from-key", false, "delete keys that are greater than or equal to the given key using byte compare")
        .runner(KvCommands::runDel);
  }

  static void runDel(Invocation inv) throws InterruptedException {
    DeleteRangeRequest req = delRequest(inv);
    Client c = inv.client();
    Deadline d = c.commandDeadline();
    DeleteRangeResponse resp = c.unary(() -> c.kv(d).deleteRange(req));
    printDel(inv, resp);
  }

  /** etcdctl's getDelOp: the request, or the command's argument error. */
  static DeleteRangeRequest delRequest(Invocation inv) {
    var args = inv.args();
    if (args.isEmpty() || args.size() > 2) {
      throw new CtlException(ExitCode.BAD_ARGS, "del command needs one argument as key and an optional argument as range_end");
    }
    boolean prefix = inv.bool("prefix");
    boolean fromKey = inv.bool("from-key");
    if (prefix && fromKey) {
      throw new CtlException(ExitCode.BAD_ARGS, "`--prefix` and `--from-key` cannot be set at the same time, choose one");
    }
    DeleteRangeRequest.Builder b = DeleteRangeRequest.newBuilder();
    ByteString key = inv.argBytes(args.get(0));
    if (args.size() > 1) {
      if (prefix || fromKey) {
        throw new CtlException(ExitCode.BAD_ARGS, "too many arguments, only accept one argument when `--prefix` or `--from-key` is set");
      }
      b.setRangeEnd(inv.argBytes(args.get(1)));
    }
    if (prefix) {
      if (key.isEmpty()) {
        key = Keys.NUL;
        b.setRangeEnd(Keys.NUL);
      } else {
        b.setRangeEnd(Keys.prefixEnd(key));
      }
    }
    b.setPrevKv(inv.bool("prev-kv"));
    if (fromKey) {
      if (key.isEmpty()) {
        key = Keys.NUL;
      }
      b.setRangeEnd(Keys.NUL);
    }
    return b.setKey(key).build();
  }

  static void printDel(Invocation inv, DeleteRangeResponse resp) {
    switch (inv.format()) {
      case SIMPLE:
        inv.println(Long.toString(resp.getDeleted()));
        for (KeyValue kv : resp.getPrevKvsList()) {
          Kvs.simple(inv, kv, false);
        }
        break;
      case JSON:
        inv.println(GoJson.marshal(resp));
        break;
      case FIELDS:
        Kvs.fieldsHeader(inv, resp.getHeader());
        inv.println("\"Deleted\" : " + resp.getDeleted());
        for (KeyValue kv : resp.getPrevKvsList()) {
          Kvs.fieldsKv(inv, "Prev", kv);
        }
        break;
      case PROTOBUF:
        Kvs.protobuf(inv, resp);
        break;
      default:
        throw inv.format().unsupported();
    }
  }
}
