package io.etcdj.etcdctl.command;

import io.etcdj.api.etcdserverpb.StatusResponse;
import io.etcdj.etcdctl.cli.GoQuote;
import io.etcdj.etcdctl.cli.Invocation;
import io.etcdj.etcdctl.print.GoJson;
import io.etcdj.etcdctl.print.Humanize;
import io.etcdj.etcdctl.print.Kvs;
import io.etcdj.etcdctl.print.Table;
import java.util.ArrayList;
import java.util.List;

/**
 * The printers of the endpoint commands (ctlv3 printer*.go: EndpointHealth, EndpointStatus,
 * EndpointHashKV). JSON is a list of etcdctl's own structs, never the protobuf printer's wire bytes:
 * protobuf cannot print them.
 */
final class EndpointPrint {
  private EndpointPrint() {}

  static void health(Invocation inv, List<EndpointCommands.Health> list) {
    switch (inv.format()) {
      case SIMPLE:
        for (EndpointCommands.Health h : list) {
          if (h.error().isEmpty()) {
            inv.err().println(h.endpoint() + " is healthy: successfully committed proposal: took = " + h.took());
          } else {
            inv.err().println(h.endpoint() + " is unhealthy: failed to commit proposal: " + h.error());
          }
        }
        break;
      case JSON:
        List<String> items = new ArrayList<>();
        for (EndpointCommands.Health h : list) {
          GoJson.Obj o = new GoJson.Obj().str("endpoint", h.endpoint()).bool("health", h.healthy()).str("took", h.took());
          if (!h.error().isEmpty()) {
            o.str("error", h.error());
          }
          items.add(o.toString());
        }
        inv.println(array(items));
        break;
      case FIELDS:
        for (EndpointCommands.Health h : list) {
          inv.println("\"Endpoint\" : " + GoQuote.quote(h.endpoint()));
          inv.println("\"Health\" : " + h.healthy());
          inv.println("\"Took\" : " + h.took());
          inv.println("\"Error\" : " + h.error());
          inv.println("");
        }
        break;
      case TABLE:
        List<List<String>> rows = new ArrayList<>();
        for (EndpointCommands.Health h : list) {
          rows.add(List.of(h.endpoint(), Boolean.toString(h.healthy()), h.took(), h.error()));
        }
        inv.out().print(Table.render(List.of("endpoint", "health", "took", "error"), rows));
        break;
      default:
        throw inv.format().unsupported();
    }
  }

  static void status(Invocation inv, List<EndpointCommands.EpStatus> list) {
    switch (inv.format()) {
      case SIMPLE:
        for (List<String> row : statusRows(list)) {
          inv.println(String.join(", ", row));
        }
        break;
      case JSON:
        List<String> items = new ArrayList<>();
        for (EndpointCommands.EpStatus s : list) {
          items.add(new GoJson.Obj().str("Endpoint", s.endpoint()).msg("Status", s.status()).toString());
        }
        inv.println(array(items));
        break;
      case FIELDS:
        for (EndpointCommands.EpStatus s : list) {
          StatusResponse r = s.status();
          Kvs.fieldsHeader(inv, r.getHeader());
          inv.println("\"Version\" : " + GoQuote.quote(r.getVersion()));
          inv.println("\"DBSize\" : " + r.getDbSize());
          inv.println("\"Leader\" : " + Long.toUnsignedString(r.getLeader()));
          inv.println("\"IsLearner\" : " + r.getIsLearner());
          inv.println("\"RaftIndex\" : " + Long.toUnsignedString(r.getRaftIndex()));
          inv.println("\"RaftTerm\" : " + Long.toUnsignedString(r.getRaftTerm()));
          inv.println("\"RaftAppliedIndex\" : " + Long.toUnsignedString(r.getRaftAppliedIndex()));
          inv.println("\"Errors\" : [" + String.join(" ", r.getErrorsList()) + "]");
          inv.println("\"Endpoint\" : " + GoQuote.quote(s.endpoint()));
          inv.println("");
        }
        break;
      case TABLE:
        inv.out().print(
            Table.render(
                List.of("endpoint", "ID", "version", "db size", "is leader", "is learner", "raft term", "raft index",
                    "raft applied index", "errors"),
                statusRows(list)));
        break;
      default:
        throw inv.format().unsupported();
    }
  }

  private static List<List<String>> statusRows(List<EndpointCommands.EpStatus> list) {
    List<List<String>> rows = new ArrayList<>();
    for (EndpointCommands.EpStatus s : list) {
      StatusResponse r = s.status();
      rows.add(
          List.of(
              s.endpoint(),
              Long.toHexString(r.getHeader().getMemberId()),
              r.getVersion(),
              Humanize.bytes(r.getDbSize()),
              Boolean.toString(r.getLeader() == r.getHeader().getMemberId()),
              Boolean.toString(r.getIsLearner()),
              Long.toUnsignedString(r.getRaftTerm()),
              Long.toUnsignedString(r.getRaftIndex()),
              Long.toUnsignedString(r.getRaftAppliedIndex()),
              String.join(", ", r.getErrorsList())));
    }
    return rows;
  }

  static void hashKv(Invocation inv, List<EndpointCommands.EpHash> list) {
    switch (inv.format()) {
      case SIMPLE:
        for (List<String> row : hashRows(list)) {
          inv.println(String.join(", ", row));
        }
        break;
      case JSON:
        List<String> items = new ArrayList<>();
        for (EndpointCommands.EpHash h : list) {
          items.add(new GoJson.Obj().str("Endpoint", h.endpoint()).msg("HashKV", h.hash()).toString());
        }
        inv.println(array(items));
        break;
      case FIELDS:
        for (EndpointCommands.EpHash h : list) {
          Kvs.fieldsHeader(inv, h.hash().getHeader());
          inv.println("\"Endpoint\" : " + GoQuote.quote(h.endpoint()));
          inv.println("\"Hash\" : " + Integer.toUnsignedString(h.hash().getHash()));
          inv.println("");
        }
        break;
      case TABLE:
        inv.out().print(Table.render(List.of("endpoint", "hash"), hashRows(list)));
        break;
      default:
        throw inv.format().unsupported();
    }
  }

  private static List<List<String>> hashRows(List<EndpointCommands.EpHash> list) {
    List<List<String>> rows = new ArrayList<>();
    for (EndpointCommands.EpHash h : list) {
      rows.add(List.of(h.endpoint(), Integer.toUnsignedString(h.hash().getHash())));
    }
    return rows;
  }

  /** A Go slice of structs as encoding/json writes it; an empty (non-nil) slice is []. */
  private static String array(List<String> items) {
    return "[" + String.join(",", items) + "]";
  }
}
