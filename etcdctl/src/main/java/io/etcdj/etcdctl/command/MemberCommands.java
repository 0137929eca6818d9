package io.etcdj.etcdctl.command;

import io.etcdj.api.etcdserverpb.Member;
import io.etcdj.api.etcdserverpb.MemberAddRequest;
import io.etcdj.api.etcdserverpb.MemberAddResponse;
import io.etcdj.api.etcdserverpb.MemberListRequest;
import io.etcdj.api.etcdserverpb.MemberListResponse;
import io.etcdj.api.etcdserverpb.MemberPromoteRequest;
import io.etcdj.api.etcdserverpb.MemberPromoteResponse;
import io.etcdj.api.etcdserverpb.MemberRemoveRequest;
import io.etcdj.api.etcdserverpb.MemberRemoveResponse;
import io.etcdj.api.etcdserverpb.MemberUpdateRequest;
import io.etcdj.api.etcdserverpb.MemberUpdateResponse;
import io.etcdj.etcdctl.cli.Command;
import io.etcdj.etcdctl.cli.CtlException;
import io.etcdj.etcdctl.cli.ExitCode;
import io.etcdj.etcdctl.cli.GoPanic;
import io.etcdj.etcdctl.cli.GoParse;
import io.etcdj.etcdctl.cli.GoQuote;
import io.etcdj.etcdctl.cli.Invocation;
import io.etcdj.etcdctl.client.Client;
import io.etcdj.etcdctl.print.GoJson;
import io.etcdj.etcdctl.print.Kvs;
import io.etcdj.etcdctl.print.Table;
import io.grpc.Deadline;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code member add|remove|update|list|promote} (ctlv3 member_command.go). Member ids are hex on
 * the command line and in the simple and table printers. The fields and table printers know only
 * {@code member list}; for add, remove and update they fail as unsupported after the change was
 * made, and for promote every printer but simple crashes as stock etcdctl 3.4 does (it has no such
 * printer method), also after the promotion.
 */
final class MemberCommands {
  private MemberCommands() {}

  static Command member() {
    return new Command("member <subcommand>", "Membership related commands")
        .add(add(), remove(), update(), list(), promote());
  }

  private static Command add() {
    return new Command("add <memberName> [options]", "Adds a member into the cluster")
        .stringFlag("peer-urls", "", "comma separated peer URLs for the new member.")
        .boolFlag("learner", false, "indicates if the new member is raft learner")
        .runner(MemberCommands::runAdd);
  }

  private static Command remove() {
    return new Command("remove <memberID>", "Removes a member from the cluster").runner(MemberCommands::runRemove);
  }

  private static Command update() {
    return new Command("update <memberID> [options]", "Updates a member in the cluster")
        .stringFlag("peer-urls", "", "comma separated peer URLs for the updated member.")
        .runner(MemberCommands::runUpdate);
  }

  private static Command list() {
    return new Command("list", "Lists all members in the cluster")
        .longDesc(
            "When --write-out is set to simple, this command prints out comma-separated member lists for each endpoint.\n"
                + "The items in the lists are ID, Status, Name, Peer Addrs, Client Addrs, Is Learner.\n")
        .runner(MemberCommands::runList);
  }

  private static Command promote() {
    return new Command("promote <memberID>", "Promotes a non-voting member in the cluster")
        .longDesc("Promotes a non-voting learner member to a voting one in the cluster.\n")
        .runner(MemberCommands::runPromote);
  }

  static void runAdd(Invocation inv) throws InterruptedException {
    var args = inv.args();
    if (args.isEmpty()) {
      throw new CtlException(ExitCode.BAD_ARGS, "member name not provided");
    }
    if (args.size() > 1) {
      StringBuilder ev = new StringBuilder("too many arguments");
      for (String s : args) {
        if (s.toLowerCase(Locale.ROOT).startsWith("http")) {
          ev.append(", did you mean --peer-urls=").append(s);
        }
      }
      throw new CtlException(ExitCode.BAD_ARGS, ev.toString());
    }
    String name = args.get(0);
    String peerUrls = inv.string("peer-urls");
    if (peerUrls.isEmpty()) {
      throw new CtlException(ExitCode.BAD_ARGS, "member peer urls not provided");
    }
    List<String> urls = List.of(peerUrls.split(",", -1));
    Client c = inv.client();
    checkUrls(urls);
    MemberAddRequest req = MemberAddRequest.newBuilder().addAllPeerURLs(urls).setIsLearner(inv.bool("learner")).build();
    Deadline d = c.commandDeadline();
    MemberAddResponse resp = c.unary(() -> c.cluster(d).memberAdd(req));
    switch (inv.format()) {
      case SIMPLE:
        inv.println(String.format("Member %16x added to cluster %16x", resp.getMember().getID(), resp.getHeader().getClusterId()));
        printInitialCluster(inv, resp, name, peerUrls);
        break;
      case JSON:
        inv.println(GoJson.marshal(resp));
        break;
      case PROTOBUF:
        Kvs.protobuf(inv, resp);
        break;
      default:
        throw inv.format().unsupported();
    }
  }

  /** The environment a new member starts with, as the simple printer suggests it. */
  private static void printInitialCluster(Invocation inv, MemberAddResponse resp, String name, String peerUrls) {
    List<String> conf = new ArrayList<>();
    for (Member m : resp.getMembersList()) {
      String n = m.getID() == resp.getMember().getID() ? name : m.getName();
      for (String u : m.getPeerURLsList()) {
        conf.add(n + "=" + u);
      }
    }
    inv.println("");
    inv.println("ETCD_NAME=" + GoQuote.quote(name));
    inv.println("ETCD_INITIAL_CLUSTER=" + GoQuote.quote(String.join(",", conf)));
    inv.println("ETCD_INITIAL_ADVERTISE_PEER_URLS=" + GoQuote.quote(peerUrls));
    inv.println("ETCD_INITIAL_CLUSTER_STATE=\"existing\"");
  }

  /** clientv3 refuses a malformed peer URL before sending; etcdctl prints Go's text. */
  private static void checkUrls(List<String> urls) {
    String problem = PeerUrls.check(urls);
    if (problem != null) {
      throw new CtlException(ExitCode.ERROR, problem);
    }
  }

  /** The hex member id argument of remove, update and promote. */
  private static long memberId(Invocation inv) {
    if (inv.args().size() != 1) {
      throw new CtlException(ExitCode.BAD_ARGS, "member ID is not provided");
    }
    try {
      return GoParse.parseHex(inv.args().get(0), "strconv.ParseUint", false);
    } catch (IllegalArgumentException e) {
      throw new CtlException(ExitCode.BAD_ARGS, "bad member ID arg (" + e.getMessage() + "), expecting ID in Hex");
    }
  }

  static void runRemove(Invocation inv) throws InterruptedException {
    long id = memberId(inv);
    Client c = inv.client();
    Deadline d = c.commandDeadline();
    MemberRemoveResponse resp = c.unary(() -> c.cluster(d).memberRemove(MemberRemoveRequest.newBuilder().setID(id).build()));
    printChange(inv, resp, String.format("Member %16x removed from cluster %16x", id, resp.getHeader().getClusterId()));
  }

  static void runUpdate(Invocation inv) throws InterruptedException {
    long id = memberId(inv);
    String peerUrls = inv.string("peer-urls");
    if (peerUrls.isEmpty()) {
      throw new CtlException(ExitCode.BAD_ARGS, "member peer urls not provided");
    }
    List<String> urls = List.of(peerUrls.split(",", -1));
    Client c = inv.client();
    checkUrls(urls);
    MemberUpdateRequest req = MemberUpdateRequest.newBuilder().setID(id).addAllPeerURLs(urls).build();
    Deadline d = c.commandDeadline();
    MemberUpdateResponse resp = c.unary(() -> c.cluster(d).memberUpdate(req));
    printChange(inv, resp, String.format("Member %16x updated in cluster %16x", id, resp.getHeader().getClusterId()));
  }

  private static void printChange(Invocation inv, com.google.protobuf.Message resp, String simple) {
    switch (inv.format()) {
      case SIMPLE:
        inv.println(simple);
        break;
      case JSON:
        inv.println(GoJson.marshal(resp));
        break;
      case PROTOBUF:
        Kvs.protobuf(inv, resp);
        break;
      default:
        throw inv.format().unsupported();
    }
  }

  static void runPromote(Invocation inv) throws InterruptedException {
    long id = memberId(inv);
    Client c = inv.client();
    Deadline d = c.commandDeadline();
    MemberPromoteResponse resp =
        c.unary(() -> c.cluster(d).memberPromote(MemberPromoteRequest.newBuilder().setID(id).build()));
    if (inv.format() != io.etcdj.etcdctl.cli.OutputFormat.SIMPLE) {
      // printerRPC has no MemberPromote, so the call lands on the nil printer interface it embeds.
      throw GoPanic.nilDereference(
          inv.err(),
          0x78,
          "go.etcd.io/etcd/etcdctl/ctlv3/command.memberPromoteCommandFunc",
          "go.etcd.io/etcd/etcdctl/ctlv3/command/member_command.go:245");
    }
    inv.println(String.format("Member %16x promoted in cluster %16x", id, resp.getHeader().getClusterId()));
  }

  static void runList(Invocation inv) throws InterruptedException {
    Client c = inv.client();
    Deadline d = c.commandDeadline();
    MemberListResponse resp = c.unary(() -> c.cluster(d).memberList(MemberListRequest.getDefaultInstance()));
    switch (inv.format()) {
      case SIMPLE:
        for (List<String> row : rows(resp)) {
          inv.println(String.join(", ", row));
        }
        break;
      case JSON:
        inv.println(GoJson.marshal(resp));
        break;
      case FIELDS:
        printListFields(inv, resp);
        break;
      case TABLE:
        inv.out().print(Table.render(List.of("ID", "Status", "Name", "Peer Addrs", "Client Addrs", "Is Learner"), rows(resp)));
        break;
      case PROTOBUF:
        Kvs.protobuf(inv, resp);
        break;
      default:
        throw inv.format().unsupported();
    }
  }

  private static List<List<String>> rows(MemberListResponse resp) {
    List<List<String>> rows = new ArrayList<>();
    for (Member m : resp.getMembersList()) {
      rows.add(
          List.of(
              Long.toHexString(m.getID()),
              m.getName().isEmpty() ? "unstarted" : "started",
              m.getName(),
              String.join(",", m.getPeerURLsList()),
              String.join(",", m.getClientURLsList()),
              Boolean.toString(m.getIsLearner())));
    }
    return rows;
  }

  private static void printListFields(Invocation inv, MemberListResponse resp) {
    Kvs.fieldsHeader(inv, resp.getHeader());
    for (Member m : resp.getMembersList()) {
      inv.println("\"ID\" : " + Long.toUnsignedString(m.getID()));
      inv.println("\"Name\" : " + GoQuote.quote(m.getName()));
      for (String u : m.getPeerURLsList()) {
        inv.println("\"PeerURL\" : " + GoQuote.quote(u));
      }
      for (String u : m.getClientURLsList()) {
        inv.println("\"ClientURL\" : " + GoQuote.quote(u));
      }
      inv.println("\"IsLearner\" : " + m.getIsLearner());
      inv.println("");
    }
  }
}
