package io.etcdj.etcdctl.command;

import io.etcdj.etcdctl.check.CheckDatascale;
import io.etcdj.etcdctl.check.CheckPerf;
import io.etcdj.etcdctl.cli.Command;

/** {@code check perf} and {@code check datascale} (ctlv3 check.go); the work is in {@link io.etcdj.etcdctl.check}. */
final class CheckCommands {
  private CheckCommands() {}

  static Command check() {
    return new Command("check <subcommand>", "commands for checking properties of the etcd cluster").add(perf(), datascale());
  }

  private static Command perf() {
    return new Command("perf [options]", "Check the performance of the etcd cluster")
        .stringFlag("load", "s", "The performance check's workload model. Accepted workloads: s(small), m(medium), l(large), xl(xLarge)")
        .stringFlag("prefix", "/etcdctl-check-perf/", "The prefix for writing the performance check's keys.")
        .boolFlag("auto-compact", false, "Compact storage with last revision after test is finished.")
        .boolFlag("auto-defrag", false, "Defragment storage after test is finished.")
        .runner(CheckPerf::run);
  }

  private static Command datascale() {
    return new Command("datascale [options]", "Check the memory usage of holding data for different workloads on a given server endpoint.")
        .longDesc("If no endpoint is provided, localhost will be used. If multiple endpoints are provided, first endpoint will be used.")
        .stringFlag("load", "s", "The datascale check's workload model. Accepted workloads: s(small), m(medium), l(large), xl(xLarge)")
        .stringFlag("prefix", "/etcdctl-check-datascale/", "The prefix for writing the datascale check's keys.")
        .boolFlag("auto-compact", false, "Compact storage with last revision after test is finished.")
        .boolFlag("auto-defrag", false, "Defragment storage after test is finished.")
        .runner(CheckDatascale::run);
  }
}
