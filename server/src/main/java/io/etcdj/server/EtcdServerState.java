package io.etcdj.server;

import io.etcdj.server.metrics.Metrics;

/**
 * The server state etcd exposes as gauges, read from an {@link EtcdServer} when /metrics is
 * scraped. Every getter is a volatile read or a short read lock, safe on the scrape thread.
 */
final class EtcdServerState implements Metrics.ServerState {
  private final EtcdServer server;

  EtcdServerState(EtcdServer server) {
    this.server = server;
  }

  @Override
  public long memberId() {
    return server.cluster().memberId();
  }

  @Override
  public long leaderId() {
    return server.leaderId();
  }

  @Override
  public boolean isLearner() {
    return server.isLearner();
  }

  @Override
  public long quotaBackendBytes() {
    return server.config().effectiveQuotaBytes();
  }

  @Override
  public long committedIndex() {
    return server.committedIndex();
  }

  @Override
  public long appliedIndex() {
    return server.appliedIndex();
  }

  @Override
  public long dbTotalBytes() {
    return server.kv().dbSize();
  }

  @Override
  public long dbInUseBytes() {
    return server.kv().dbSizeInUse();
  }

  @Override
  public long keys() {
    return server.kv().keyCount();
  }

  @Override
  public long currentRevision() {
    return server.kv().rev();
  }

  @Override
  public long compactRevision() {
    return server.kv().compactRev();
  }
}
