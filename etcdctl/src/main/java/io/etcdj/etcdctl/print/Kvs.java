package io.etcdj.etcdctl.print;

import io.etcdj.api.etcdserverpb.ResponseHeader;
import io.etcdj.api.mvccpb.KeyValue;
import io.etcdj.etcdctl.cli.GoQuote;
import io.etcdj.etcdctl.cli.Invocation;

/** Printing shared by every command: key-values (simple and fields) and response headers (fields). */
public final class Kvs {
  private Kvs() {}

  /** etcdctl's printKV: key then value on their own lines, or only the value; --hex prints \xNN. */
  public static void simple(Invocation inv, KeyValue kv, boolean valueOnly) {
    boolean hex = inv.hex();
    byte[] k = kv.getKey().toByteArray();
    byte[] v = kv.getValue().toByteArray();
    if (!valueOnly) {
      inv.println(hex ? hexBytes(k) : k);
    }
    inv.println(hex ? hexBytes(v) : v);
  }

  /** "\x61\x62" for "ab", as etcdctl's addHexPrefix. */
  public static byte[] hexBytes(byte[] b) {
    StringBuilder sb = new StringBuilder(b.length * 4);
    for (byte x : b) {
      sb.append("\\x").append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
    }
    return sb.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }

  /** The fields printer's header lines. */
  public static void fieldsHeader(Invocation inv, ResponseHeader h) {
    inv.println("\"ClusterID\" : " + Long.toUnsignedString(h.getClusterId()));
    inv.println("\"MemberID\" : " + Long.toUnsignedString(h.getMemberId()));
    inv.println("\"Revision\" : " + h.getRevision());
    inv.println("\"RaftTerm\" : " + Long.toUnsignedString(h.getRaftTerm()));
  }

  /** The fields printer's key-value lines, with a prefix such as "Prev". */
  public static void fieldsKv(Invocation inv, String pfx, KeyValue kv) {
    inv.println("\"" + pfx + "Key\" : " + GoQuote.quote(kv.getKey().toByteArray()));
    inv.println("\"" + pfx + "CreateRevision\" : " + kv.getCreateRevision());
    inv.println("\"" + pfx + "ModRevision\" : " + kv.getModRevision());
    inv.println("\"" + pfx + "Version\" : " + kv.getVersion());
    inv.println("\"" + pfx + "Value\" : " + GoQuote.quote(kv.getValue().toByteArray()));
    inv.println("\"" + pfx + "Lease\" : " + kv.getLease());
  }

  /** The protobuf printer: the response's wire bytes, no newline. */
  public static void protobuf(Invocation inv, com.google.protobuf.Message m) {
    byte[] b = m.toByteArray();
    inv.out().write(b, 0, b.length);
  }
}
