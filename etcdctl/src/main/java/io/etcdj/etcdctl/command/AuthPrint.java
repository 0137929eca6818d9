package io.etcdj.etcdctl.command;

import com.google.protobuf.Message;
import io.etcdj.api.etcdserverpb.ResponseHeader;
import io.etcdj.etcdctl.cli.Invocation;
import io.etcdj.etcdctl.print.GoJson;
import io.etcdj.etcdctl.print.Kvs;

/**
 * The printers' shared shape for user and role responses (ctlv3 printer_*.go): json and protobuf
 * print the response, fields prints its header (or, where etcdctl's fields printer has no method,
 * fails as unsupported), table is unsupported everywhere, simple is the command's own text.
 */
final class AuthPrint {
  private AuthPrint() {}

  /** The simple printer's part for one response. */
  @FunctionalInterface
  interface Simple {
    void print();
  }

  /** A response whose fields form is its header alone. */
  static void headerOnly(Invocation inv, Message resp, ResponseHeader header, Simple simple) {
    print(inv, resp, simple, () -> Kvs.fieldsHeader(inv, header));
  }

  /** A response the fields printer cannot print (user get, user list). */
  static void noFields(Invocation inv, Message resp, Simple simple) {
    print(inv, resp, simple, null);
  }

  static void print(Invocation inv, Message resp, Simple simple, Simple fields) {
    switch (inv.format()) {
      case SIMPLE:
        simple.print();
        break;
      case JSON:
        inv.println(GoJson.marshal(resp));
        break;
      case PROTOBUF:
        Kvs.protobuf(inv, resp);
        break;
      case FIELDS:
        if (fields != null) {
          fields.print();
          break;
        }
        throw inv.format().unsupported();
      default:
        throw inv.format().unsupported();
    }
  }
}
