package io.etcdj.etcdctl.command;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.LeaseGrantResponse;
import io.etcdj.api.etcdserverpb.LeaseKeepAliveResponse;
import io.etcdj.api.etcdserverpb.LeaseLeasesResponse;
import io.etcdj.api.etcdserverpb.LeaseRevokeResponse;
import io.etcdj.api.etcdserverpb.LeaseStatus;
import io.etcdj.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.etcdj.api.etcdserverpb.ResponseHeader;
import io.etcdj.etcdctl.cli.CtlException;
import io.etcdj.etcdctl.cli.ExitCode;
import io.etcdj.etcdctl.cli.GoQuote;
import io.etcdj.etcdctl.cli.Invocation;
import io.etcdj.etcdctl.print.GoJson;
import io.etcdj.etcdctl.print.Kvs;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The lease printers of every output format (ctlv3 printer_simple.go, printer_fields.go,
 * printer_json.go, printer_protobuf.go). JSON and protobuf print clientv3's wrapper structs, not
 * the RPC responses: {@code LeaseGrantResponse}, {@code LeaseKeepAliveResponse},
 * {@code LeaseTimeToLiveResponse} and {@code LeaseLeasesResponse} embed {@code *ResponseHeader}, so
 * JSON promotes the header's fields and protobuf marshals only the header (its Marshal method is
 * the one promoted); {@code LeaseRevokeResponse} is a named copy of the RPC response without
 * methods, so JSON shows it as the response and protobuf refuses it.
 */
final class LeasePrinter {
  private LeasePrinter() {}

  static void grant(Invocation inv, LeaseGrantResponse r) {
    switch (inv.format()) {
      case SIMPLE:
        inv.println("lease " + hexId(r.getID()) + " granted with TTL(" + r.getTTL() + "s)");
        break;
      case JSON:
        inv.println(
            new GoJson.Obj().embed(header(r.hasHeader(), r.getHeader())).num("ID", r.getID()).num("TTL", r.getTTL()).str("Error", r.getError()).toString());
        break;
      case FIELDS:
        Kvs.fieldsHeader(inv, r.getHeader());
        inv.println("\"ID\" : " + r.getID());
        inv.println("\"TTL\" : " + r.getTTL());
        break;
      case PROTOBUF:
        Kvs.protobuf(inv, r.getHeader());
        break;
      default:
        throw inv.format().unsupported();
    }
  }

  static void revoke(Invocation inv, long id, LeaseRevokeResponse r) {
    switch (inv.format()) {
      case SIMPLE:
        inv.println("lease " + hexId(id) + " revoked");
        break;
      case JSON:
        inv.println(GoJson.marshal(r));
        break;
      case FIELDS:
        Kvs.fieldsHeader(inv, r.getHeader());
        break;
      case PROTOBUF:
        // printPB's type check fails; %v shows the struct with the header in proto text form.
        String header = r.hasHeader() ? compactText(r.getHeader()) : "<nil>";
        throw new CtlException(
            ExitCode.BAD_FEATURE, "marshal unsupported for type clientv3.LeaseRevokeResponse ({" + header + "})");
      default:
        throw inv.format().unsupported();
    }
  }

  static void keepAlive(Invocation inv, LeaseKeepAliveResponse r) {
    switch (inv.format()) {
      case SIMPLE:
        inv.println("lease " + hexId(r.getID()) + " keepalived with TTL(" + r.getTTL() + ")");
        break;
      case JSON:
        inv.println(new GoJson.Obj().embed(header(r.hasHeader(), r.getHeader())).num("ID", r.getID()).num("TTL", r.getTTL()).toString());
        break;
      case FIELDS:
        Kvs.fieldsHeader(inv, r.getHeader());
        inv.println("\"ID\" : " + r.getID());
        inv.println("\"TTL\" : " + r.getTTL());
        break;
      case PROTOBUF:
        Kvs.protobuf(inv, r.getHeader());
        break;
      default:
        throw inv.format().unsupported();
    }
  }

  static void timeToLive(Invocation inv, LeaseTimeToLiveResponse r, boolean keys) {
    switch (inv.format()) {
      case SIMPLE:
        timeToLiveSimple(inv, r, keys);
        break;
      case JSON:
        inv.println(
            new GoJson.Obj()
                .embed(header(r.hasHeader(), r.getHeader()))
                .num("id", r.getID())
                .num("ttl", r.getTTL())
                .num("granted-ttl", r.getGrantedTTL())
                .raw("keys", base64List(r))
                .toString());
        break;
      case FIELDS:
        Kvs.fieldsHeader(inv, r.getHeader());
        inv.println("\"ID\" : " + r.getID());
        inv.println("\"TTL\" : " + r.getTTL());
        inv.println("\"GrantedTTL\" : " + r.getGrantedTTL());
        for (ByteString k : r.getKeysList()) {
          inv.println("\"Key\" : " + GoQuote.quote(k.toByteArray()));
        }
        break;
      case PROTOBUF:
        Kvs.protobuf(inv, r.getHeader());
        break;
      default:
        throw inv.format().unsupported();
    }
  }

  private static void timeToLiveSimple(Invocation inv, LeaseTimeToLiveResponse r, boolean keys) {
    if (r.getGrantedTTL() == 0 && r.getTTL() == -1) {
      inv.println("lease " + hexId(r.getID()) + " already expired");
      return;
    }
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    String head = "lease " + hexId(r.getID()) + " granted with TTL(" + r.getGrantedTTL() + "s), remaining(" + r.getTTL() + "s)";
    line.writeBytes(head.getBytes(StandardCharsets.UTF_8));
    if (keys) {
      // Go's %v of a []string: the raw keys, space-separated, in brackets.
      line.writeBytes(", attached keys([".getBytes(StandardCharsets.UTF_8));
      for (int i = 0; i < r.getKeysCount(); i++) {
        if (i > 0) {
          line.write(' ');
        }
        line.writeBytes(r.getKeys(i).toByteArray());
      }
      line.writeBytes("])".getBytes(StandardCharsets.UTF_8));
    }
    inv.println(line.toByteArray());
  }

  static void leases(Invocation inv, LeaseLeasesResponse r) {
    switch (inv.format()) {
      case SIMPLE:
        inv.println("found " + r.getLeasesCount() + " leases");
        for (LeaseStatus l : r.getLeasesList()) {
          inv.println(hexId(l.getID()));
        }
        break;
      case JSON:
        StringBuilder list = new StringBuilder("[");
        for (int i = 0; i < r.getLeasesCount(); i++) {
          list.append(i > 0 ? "," : "").append(new GoJson.Obj().num("id", r.getLeases(i).getID()));
        }
        inv.println(new GoJson.Obj().embed(header(r.hasHeader(), r.getHeader())).raw("leases", list.append(']').toString()).toString());
        break;
      case FIELDS:
        Kvs.fieldsHeader(inv, r.getHeader());
        for (LeaseStatus l : r.getLeasesList()) {
          inv.println("\"ID\" : " + l.getID());
        }
        break;
      case PROTOBUF:
        Kvs.protobuf(inv, r.getHeader());
        break;
      default:
        throw inv.format().unsupported();
    }
  }

  /**
   * Go's {@code %016x} of a LeaseID (an int64): zero-padded hex, and for a negative id a minus sign and the
   * magnitude padded to 15 digits.
   */
  static String hexId(long id) {
    if (id >= 0) {
      return String.format(Locale.ROOT, "%016x", id);
    }
    String magnitude = Long.toHexString(-id); // -Long.MIN_VALUE's bits read unsigned are its magnitude
    return "-" + "0".repeat(Math.max(0, 15 - magnitude.length())) + magnitude;
  }

  /** The embedded header pointer: nil (nothing promoted) when the server sent none. */
  private static ResponseHeader header(boolean present, ResponseHeader h) {
    return present ? h : null;
  }

  /** {@code [][]byte} in encoding/json: base64 strings, or null for a nil slice (no keys). */
  private static String base64List(LeaseTimeToLiveResponse r) {
    if (r.getKeysCount() == 0) {
      return "null";
    }
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < r.getKeysCount(); i++) {
      sb.append(i > 0 ? "," : "").append(GoJson.bytes(r.getKeys(i).toByteArray()));
    }
    return sb.append(']').toString();
  }

  /** gogo's CompactTextString of a header: each set field as {@code name:value }, zeros left out. */
  static String compactText(ResponseHeader h) {
    StringBuilder sb = new StringBuilder();
    if (h.getClusterId() != 0) {
      sb.append("cluster_id:").append(Long.toUnsignedString(h.getClusterId())).append(' ');
    }
    if (h.getMemberId() != 0) {
      sb.append("member_id:").append(Long.toUnsignedString(h.getMemberId())).append(' ');
    }
    if (h.getRevision() != 0) {
      sb.append("revision:").append(h.getRevision()).append(' ');
    }
    if (h.getRaftTerm() != 0) {
      sb.append("raft_term:").append(Long.toUnsignedString(h.getRaftTerm())).append(' ');
    }
    return sb.toString();
  }
}
