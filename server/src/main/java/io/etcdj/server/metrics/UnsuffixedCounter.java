package io.etcdj.server.metrics;

import java.io.IOException;
import java.io.Writer;
import java.util.concurrent.atomic.LongAdder;

/**
 * A counter etcd names without the {@code _total} suffix ({@code etcd_server_health_success}):
 * the Prometheus Java client appends {@code _total} to every counter it writes, so these few are
 * kept and written here, in the same text format. Lock-free.
 */
public final class UnsuffixedCounter {
  private final String name;
  private final String help;
  private final LongAdder count = new LongAdder();

  UnsuffixedCounter(String name, String help) {
    this.name = name;
    this.help = help;
  }

  public void inc() {
    count.increment();
  }

  public long get() {
    return count.sum();
  }

  void write(Writer out) throws IOException {
    out.write("# HELP " + name + " " + help + "\n");
    out.write("# TYPE " + name + " counter\n");
    out.write(name + " " + count.sum() + "\n");
  }
}
