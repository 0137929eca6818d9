package io.etcdj.etcdctl.check;

import io.etcdj.etcdctl.cli.CtlException;
import io.etcdj.etcdctl.cli.ExitCode;
import io.etcdj.etcdctl.cli.Invocation;
import io.etcdj.etcdctl.client.Client;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;

/**
 * {@code check datascale}: the load's number of 512-byte-key, 512-byte-value puts over its clients,
 * with the first endpoint's resident memory read from its {@code /metrics} before and after; the
 * difference is reported in MB. Without a readable {@code /metrics} it fails before any put.
 */
public final class CheckDatascale {
  /** check.go's checkDatascaleCfgMap: puts, bytes per key-value, clients. */
  record Load(int puts, int kvBytes, int clients) {}

  static final Map<String, Load> LOADS =
      Map.of(
          "s", new Load(10_000, 1024, 50),
          "m", new Load(100_000, 1024, 200),
          "l", new Load(1_000_000, 1024, 500),
          "xl", new Load(3_000_000, 1024, 1000));

  /** Tests shrink the number of puts with this (hidden) system property. */
  public static final String PUTS_PROPERTY = "etcdj.etcdctl.checkDatascalePuts";

  static final int KEY_BYTES = 512;
  static final int VALUE_BYTES = 512;
  static final long BYTES_PER_MB = 1024 * 1024;

  private CheckDatascale() {}

  public static void run(Invocation inv) throws InterruptedException {
    String loadName = inv.string("load");
    String model = CheckPerf.ALIASES.get(loadName);
    if (model == null) {
      throw new CtlException(ExitCode.BAD_FEATURE, "unknown load option " + loadName);
    }
    Load cfg = LOADS.get(model);
    int puts = Integer.getInteger(PUTS_PROPERTY, cfg.puts());
    String prefix = inv.string("prefix");
    try (Clients clients = Clients.open(inv, cfg.clients())) {
      Client first = clients.first();
      String endpoint = inv.global().endpoints().get(0);
      Checks.requireEmptyPrefix(first, prefix, 0);
      double before = MetricsFetch.residentMemoryBytes(endpoint, inv.out());
      if (before == 0) {
        inv.println("FAIL: Could not read process_resident_memory_bytes before the put operations.");
        throw new CtlException.Silent(ExitCode.ERROR);
      }
      inv.println(
          "Start data scale check for work load [" + cfg.puts() + " key-value pairs, " + cfg.kvBytes() + " bytes per key-value, " + cfg.clients()
              + " concurrent clients].");
      ProgressBar bar = new ProgressBar(inv.out(), puts, ProgressBar.terminalWidth());
      bar.start();
      LoadStats stats = new LoadStats(System.nanoTime());
      PutLoad load = new PutLoad(clients.all(), prefix, KEY_BYTES, VALUE_BYTES, stats, () -> bar.add(1));
      load.start();
      for (int i = 0; i < puts && !inv.io().interrupt().isDone(); i++) {
        load.putNext();
      }
      load.closeAndWait();
      stats.end(System.nanoTime());
      bar.finish();
      Checks.interrupted(inv);
      double after = MetricsFetch.residentMemoryBytes(endpoint, inv.out());
      if (after == 0) {
        inv.println("FAIL: Could not read process_resident_memory_bytes after the put operations.");
        throw new CtlException.Silent(ExitCode.ERROR);
      }
      Checks.cleanUp(inv, first, prefix, 0);
      if (!Checks.printErrors(inv, stats)) {
        throw new CtlException.Silent(ExitCode.ERROR);
      }
      double mb = (after - before) / BYTES_PER_MB;
      inv.println("PASS: Approximate system memory used : " + new BigDecimal(mb).setScale(2, RoundingMode.HALF_EVEN).toPlainString() + " MB.");
    }
  }
}
