package io.etcdj.server.grpc;

import io.etcdj.api.etcdserverpb.MaintenanceGrpc;
import io.etcdj.api.etcdserverpb.StatusRequest;
import io.etcdj.api.etcdserverpb.StatusResponse;
import io.etcdj.server.EtcdServer;
import io.grpc.stub.StreamObserver;

/**
 * {@code etcdserverpb.Maintenance}. Status is served; the other RPCs (alarms, defrag, hash,
 * snapshot, move-leader) come with later issues and answer UNIMPLEMENTED until then.
 */
public final class MaintenanceService extends MaintenanceGrpc.MaintenanceImplBase {
  private final EtcdServer server;

  public MaintenanceService(EtcdServer server) {
    this.server = server;
  }

  @Override
  public void status(StatusRequest request, StreamObserver<StatusResponse> out) {
    StatusResponse resp =
        StatusResponse.newBuilder()
            .setHeader(server.header(0))
            .setVersion(EtcdServer.VERSION)
            .setDbSize(server.kv().dbSize())
            .setDbSizeInUse(server.kv().dbSizeInUse())
            .setLeader(server.leaderId())
            .setRaftIndex(server.committedIndex())
            .setRaftTerm(server.term())
            .setRaftAppliedIndex(server.appliedIndex())
            .build();
    out.onNext(resp);
    out.onCompleted();
  }
}
