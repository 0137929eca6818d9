package io.etcdj.server.process;

/**
 * A real etcd and a real etcdj server, each reached through its own Lock and Election services
 * (and KV, Watch and Lease behind them), for tests that run the same scenario on both sides.
 */
final class RecipeServers implements AutoCloseable {
  private final EtcdProcess etcdProcess;
  private final EtcdProcess etcdjProcess;
  final RecipeSide etcd;
  final RecipeSide etcdj;

  private RecipeServers(EtcdProcess etcdProcess, EtcdProcess etcdjProcess) {
    this.etcdProcess = etcdProcess;
    this.etcdjProcess = etcdjProcess;
    this.etcd = RecipeSide.server("etcd", etcdProcess);
    this.etcdj = RecipeSide.server("etcdj", etcdjProcess);
  }

  static RecipeServers start(String name) {
    EtcdProcess e = EtcdProcess.start(EtcdProcess.Kind.ETCD, name + "-etcd");
    try {
      return new RecipeServers(e, EtcdProcess.start(EtcdProcess.Kind.ETCDJ, name + "-etcdj"));
    } catch (RuntimeException ex) {
      e.close();
      throw ex;
    }
  }

  /** The side named "etcd" or "etcdj". */
  RecipeSide side(String which) {
    return which.equals("etcd") ? etcd : etcdj;
  }

  @Override
  public void close() {
    for (AutoCloseable c : new AutoCloseable[] {etcd, etcdj, etcdProcess, etcdjProcess}) {
      try {
        c.close();
      } catch (Exception e) {
        // keep closing the rest
      }
    }
  }
}
