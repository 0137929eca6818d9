package io.etcdj.etcdctl.command;

import io.etcdj.api.etcdserverpb.AlarmMember;
import io.etcdj.api.etcdserverpb.AlarmRequest;
import io.etcdj.api.etcdserverpb.AlarmResponse;
import io.etcdj.api.etcdserverpb.AlarmType;
import io.etcdj.etcdctl.cli.Command;
import io.etcdj.etcdctl.cli.CtlException;
import io.etcdj.etcdctl.cli.ExitCode;
import io.etcdj.etcdctl.cli.GoPanic;
import io.etcdj.etcdctl.cli.Invocation;
import io.etcdj.etcdctl.client.Client;
import io.etcdj.etcdctl.print.GoJson;
import io.etcdj.etcdctl.print.Kvs;
import io.grpc.Deadline;

/**
 * {@code alarm list|disarm} (ctlv3 alarm_command.go, clientv3 maintenance.go). Disarm lists the
 * alarms and deactivates each one, answering with what the deactivations returned and no header,
 * as clientv3's AlarmDisarm does for "all alarms". etcd's Alarm answer never carries a header
 * either, so the fields printer, which prints the header first, crashes as stock etcdctl does.
 */
final class AlarmCommands {
  private AlarmCommands() {}

  static Command alarm() {
    return new Command("alarm <subcommand>", "Alarm related commands")
        .add(
            new Command("disarm", "Disarms all alarms").runner(AlarmCommands::runDisarm),
            new Command("list", "Lists all alarms").runner(AlarmCommands::runList));
  }

  static void runList(Invocation inv) throws InterruptedException {
    if (!inv.args().isEmpty()) {
      throw new CtlException(ExitCode.BAD_ARGS, "alarm list command accepts no arguments");
    }
    Client c = inv.client();
    Deadline d = c.commandDeadline();
    print(inv, c.unary(() -> list(c, d)), "alarmListCommandFunc", "alarm_command.go:80");
  }

  static void runDisarm(Invocation inv) throws InterruptedException {
    if (!inv.args().isEmpty()) {
      throw new CtlException(ExitCode.BAD_ARGS, "alarm disarm command accepts no arguments");
    }
    Client c = inv.client();
    Deadline d = c.commandDeadline();
    AlarmResponse resp =
        c.unary(
            () -> {
              AlarmResponse.Builder all = AlarmResponse.newBuilder();
              for (AlarmMember a : list(c, d).getAlarmsList()) {
                AlarmRequest req =
                    AlarmRequest.newBuilder()
                        .setAction(AlarmRequest.AlarmAction.DEACTIVATE)
                        .setMemberID(a.getMemberID())
                        .setAlarm(a.getAlarm())
                        .build();
                all.addAllAlarms(c.maintenance(d).alarm(req).getAlarmsList());
              }
              return all.build();
            });
    print(inv, resp, "alarmDisarmCommandFunc", "alarm_command.go:57");
  }

  private static AlarmResponse list(Client c, Deadline d) throws InterruptedException {
    AlarmRequest req =
        AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.GET).setMemberID(0).setAlarm(AlarmType.NONE).build();
    return c.maintenance(d).alarm(req);
  }

  private static void print(Invocation inv, AlarmResponse resp, String goFunc, String goLine) {
    switch (inv.format()) {
      case SIMPLE:
        for (AlarmMember a : resp.getAlarmsList()) {
          inv.println(text(a));
        }
        break;
      case JSON:
        inv.println(GoJson.marshal(resp));
        break;
      case FIELDS:
        if (!resp.hasHeader()) {
          throw GoPanic.nilDereference(
              inv.err(),
              0x0,
              "go.etcd.io/etcd/etcdctl/ctlv3/command.(*fieldsPrinter).hdr",
              "go.etcd.io/etcd/etcdctl/ctlv3/command/printer_fields.go:38",
              "go.etcd.io/etcd/etcdctl/ctlv3/command.(*fieldsPrinter).Alarm",
              "go.etcd.io/etcd/etcdctl/ctlv3/command/printer_fields.go:181",
              "go.etcd.io/etcd/etcdctl/ctlv3/command." + goFunc,
              "go.etcd.io/etcd/etcdctl/ctlv3/command/" + goLine);
        }
        Kvs.fieldsHeader(inv, resp.getHeader());
        for (AlarmMember a : resp.getAlarmsList()) {
          inv.println("\"MemberID\" : " + Long.toUnsignedString(a.getMemberID()));
          inv.println("\"AlarmType\" : " + a.getAlarm().name());
          inv.println("");
        }
        break;
      case PROTOBUF:
        Kvs.protobuf(inv, resp);
        break;
      default:
        throw inv.format().unsupported();
    }
  }

  /** Go's {@code %+v} of an AlarmMember: its compact proto text, zero fields left out. */
  static String text(AlarmMember a) {
    StringBuilder sb = new StringBuilder();
    if (a.getMemberID() != 0) {
      sb.append("memberID:").append(Long.toUnsignedString(a.getMemberID())).append(' ');
    }
    if (a.getAlarm() != AlarmType.NONE) {
      sb.append("alarm:").append(a.getAlarm().name()).append(' ');
    }
    return sb.toString();
  }
}
