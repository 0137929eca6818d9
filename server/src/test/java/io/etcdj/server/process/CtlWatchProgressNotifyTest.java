package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code etcdctl watch --progress-notify}, etcd 3.5's flag that 3.4.23's etcdctl lacks (so there is no stock output to
 * compare): the server's periodic progress notifications arrive and print as {@code progress notify: <revision>},
 * the line 3.4 already prints for requested progress. Servers run with a 500 ms notify interval.
 */
@Tag("process")
class CtlWatchProgressNotifyTest {

  static List<EtcdProcess.Kind> kinds() {
    return EtcdProcess.selectedKinds();
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void periodicProgressIsPrinted(EtcdProcess.Kind kind) {
    try (EtcdProcess server =
        EtcdProcess.start(kind, "ctl-progress-notify", List.of("--experimental-watch-progress-notify-interval", "500ms"))) {
      Etcdctl.run(server.endpoint(), List.of("put", "other", "1"));
      OurEtcdctlBackground watch = OurEtcdctlBackground.start(server.endpoint(), "progress", "watch", "--progress-notify", "k");
      boolean printed = watch.awaitPrinted("progress notify: 2\n", 10_000);
      String out = watch.stop();
      assertTrue(printed, "no progress notification within 10 s; printed: " + out);
      OurEtcdctlBackground plain = OurEtcdctlBackground.start(server.endpoint(), "no-progress", "watch", "k");
      EtcdProcess.sleepMs(1_500);
      String quiet = plain.stop();
      assertTrue(quiet.isEmpty(), "a watch without --progress-notify printed: " + quiet);
    }
  }
}
