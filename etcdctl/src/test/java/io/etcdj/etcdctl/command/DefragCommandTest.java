package io.etcdj.etcdctl.command;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.etcdj.etcdctl.Ctl;
import io.etcdj.etcdctl.cli.Io;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code defrag --data-dir}: stock etcdctl defragments etcd's bbolt file offline; ours cannot, and says so with stock's
 * failure line and exit code before any connection is made (the endpoint below has no server).
 */
class DefragCommandTest {

  @Test
  void offlineDefragIsRefusedWithStocksFailureLine() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Io io =
        new Io(
            new ByteArrayInputStream(new byte[0]),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            Map.of());
    int code = Ctl.run(new String[] {"--endpoints=127.0.0.1:1", "defrag", "--data-dir", "/var/lib/etcd"}, io);
    assertEquals(1, code);
    assertEquals("", out.toString(StandardCharsets.UTF_8));
    assertEquals(
        "Failed to defragment etcd data[/var/lib/etcd] (offline defragmentation is not supported by this etcdctl: it"
            + " cannot open etcd's bbolt file /var/lib/etcd/member/snap/db, nor an etcdj LMDB data directory;"
            + " defragment the running member without --data-dir)\n",
        err.toString(StandardCharsets.UTF_8));
  }
}
