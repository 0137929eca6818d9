package io.etcdj.etcdctl.command;

import io.etcdj.api.etcdserverpb.RequestOp;
import io.etcdj.api.etcdserverpb.ResponseOp;
import io.etcdj.api.etcdserverpb.TxnRequest;
import io.etcdj.api.etcdserverpb.TxnResponse;
import io.etcdj.etcdctl.cli.Command;
import io.etcdj.etcdctl.cli.CtlException;
import io.etcdj.etcdctl.cli.ExitCode;
import io.etcdj.etcdctl.cli.Invocation;
import io.etcdj.etcdctl.cli.LineReader;
import io.etcdj.etcdctl.client.Client;
import io.etcdj.etcdctl.print.GoJson;
import io.etcdj.etcdctl.print.Kvs;
import io.grpc.Deadline;
import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code txn} (ctlv3 txn_command.go): compares, a blank line, success requests, a blank line,
 * failure requests, a blank line, read from stdin (with prompts under -i); then one Txn call. An
 * input that ends before a section's blank line is "Error: EOF" with exit code 3, before any
 * request. etcdctl sends the txn without a deadline; so does this (a year stands in for none).
 */
final class TxnCommand {
  private TxnCommand() {}

  private static final long NO_DEADLINE_DAYS = 365;

  static Command txn() {
    return new Command("txn [options]", "Txn processes all the requests in one transaction")
        .boolFlag("interactive", "i", false, "Input transaction in interactive mode")
        .runner(TxnCommand::run);
  }

  static void run(Invocation inv) throws IOException, InterruptedException {
    if (!inv.args().isEmpty()) {
      throw new CtlException(ExitCode.BAD_ARGS, "txn command does not accept argument");
    }
    LineReader reader = new LineReader(inv.io().in());
    Client c = inv.client();
    boolean interactive = inv.bool("interactive");
    TxnRequest.Builder req = TxnRequest.newBuilder();
    prompt(inv, interactive, "compares:");
    for (String line = nextLine(reader); !line.isEmpty(); line = nextLine(reader)) {
      req.addCompare(TxnCompare.parse(line, inv.io()));
    }
    prompt(inv, interactive, "success requests (get, put, del):");
    req.addAllSuccess(ops(inv, reader));
    prompt(inv, interactive, "failure requests (get, put, del):");
    req.addAllFailure(ops(inv, reader));
    TxnRequest r = req.build();
    Deadline d = Deadline.after(NO_DEADLINE_DAYS, TimeUnit.DAYS);
    TxnResponse resp = c.unary(() -> c.kv(d).txn(r));
    print(inv, resp);
  }

  private static void prompt(Invocation inv, boolean interactive, String text) {
    if (interactive) {
      inv.println(text);
      inv.out().flush();
    }
  }

  /** Each line is parsed as it is read: a bad line fails before later ones are read. */
  private static List<RequestOp> ops(Invocation inv, LineReader reader) throws IOException, InterruptedException {
    List<RequestOp> ops = new ArrayList<>();
    for (String line = nextLine(reader); !line.isEmpty(); line = nextLine(reader)) {
      ops.add(TxnOps.parse(line, inv.io(), reader.unbuffered()));
    }
    return ops;
  }

  /** The next line, trimmed; the end of the input is "Error: EOF". */
  private static String nextLine(LineReader reader) throws IOException {
    try {
      return goTrimSpace(reader.readLine());
    } catch (EOFException e) {
      throw new CtlException(ExitCode.INVALID_INPUT, "EOF");
    }
  }

  /** strings.TrimSpace on a byte string: ASCII white space (wider Unicode spaces are kept). */
  static String goTrimSpace(String s) {
    int a = 0;
    int b = s.length();
    while (a < b && isSpace(s.charAt(a))) {
      a++;
    }
    while (b > a && isSpace(s.charAt(b - 1))) {
      b--;
    }
    return s.substring(a, b);
  }

  private static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == 11 || c == '\f' || c == '\r';
  }

  /** etcdctl's Txn printers. */
  static void print(Invocation inv, TxnResponse resp) {
    switch (inv.format()) {
      case SIMPLE:
        inv.println(resp.getSucceeded() ? "SUCCESS" : "FAILURE");
        for (ResponseOp op : resp.getResponsesList()) {
          inv.println("");
          printOp(inv, op);
        }
        break;
      case JSON:
        inv.println(GoJson.marshal(resp));
        break;
      case FIELDS:
        Kvs.fieldsHeader(inv, resp.getHeader());
        inv.println("\"Succeeded\" : " + resp.getSucceeded());
        for (ResponseOp op : resp.getResponsesList()) {
          printOp(inv, op);
        }
        break;
      case PROTOBUF:
        Kvs.protobuf(inv, resp);
        break;
      default:
        throw inv.format().unsupported();
    }
  }

  private static void printOp(Invocation inv, ResponseOp op) {
    switch (op.getResponseCase()) {
      case RESPONSE_RANGE:
        KvCommands.printGet(inv, op.getResponseRange(), false);
        break;
      case RESPONSE_PUT:
        KvCommands.printPut(inv, op.getResponsePut());
        break;
      case RESPONSE_DELETE_RANGE:
        KvCommands.printDel(inv, op.getResponseDeleteRange());
        break;
      default:
        // etcdctl prints "unexpected response %+v" for a nested txn, which it never sends.
        throw new IllegalStateException("unexpected response " + op.getResponseCase());
    }
  }
}
