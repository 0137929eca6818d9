package io.etcdj.etcdctl.check;

import io.etcdj.etcdctl.cli.Invocation;
import io.etcdj.etcdctl.client.Client;
import java.util.ArrayList;
import java.util.List;

/**
 * The clients a check makes its load with, one connection each as etcdctl's {@code
 * cc.mustClient()} per client; the first is the run's own client (closed with the run).
 */
final class Clients implements AutoCloseable {
  private final List<Client> all;

  private Clients(List<Client> all) {
    this.all = all;
  }

  static Clients open(Invocation inv, int count) {
    List<Client> all = new ArrayList<>();
    all.add(inv.client());
    for (int i = 1; i < count; i++) {
      all.add(Client.open(inv));
    }
    return new Clients(all);
  }

  Client first() {
    return all.get(0);
  }

  List<Client> all() {
    return all;
  }

  @Override
  public void close() {
    for (int i = 1; i < all.size(); i++) {
      all.get(i).close();
    }
  }
}
