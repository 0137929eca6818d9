package io.etcdj.server.gateway;

import com.google.protobuf.Message;
import io.etcdj.api.etcdserverpb.AuthGrpc;
import io.etcdj.api.etcdserverpb.ClusterGrpc;
import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.LeaseGrpc;
import io.etcdj.api.etcdserverpb.MaintenanceGrpc;
import io.etcdj.api.etcdserverpb.WatchGrpc;
import io.etcdj.api.v3electionpb.ElectionGrpc;
import io.etcdj.api.v3lockpb.LockGrpc;
import io.grpc.MethodDescriptor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The gateway's routing table: etcd 3.4's {@code google.api.http} rules, path to RPC. As in 3.4,
 * {@code /v3/maintenance/hash} calls Hash (HashKV has the same path there and is never reached)
 * and there is no {@code /v3/auth/status}; the lease calls also answer under {@code /v3/kv/lease/}.
 */
final class GatewayMethods {
  private GatewayMethods() {}

  static Map<String, GatewayMethod> etcd34() {
    Map<String, GatewayMethod> m = new LinkedHashMap<>();
    add(m, "/v3/kv/range", KVGrpc.getRangeMethod());
    add(m, "/v3/kv/put", KVGrpc.getPutMethod());
    add(m, "/v3/kv/deleterange", KVGrpc.getDeleteRangeMethod());
    add(m, "/v3/kv/txn", KVGrpc.getTxnMethod());
    add(m, "/v3/kv/compaction", KVGrpc.getCompactMethod());
    add(m, "/v3/watch", WatchGrpc.getWatchMethod());
    add(m, "/v3/lease/grant", LeaseGrpc.getLeaseGrantMethod());
    add(m, "/v3/lease/revoke", LeaseGrpc.getLeaseRevokeMethod());
    add(m, "/v3/kv/lease/revoke", LeaseGrpc.getLeaseRevokeMethod());
    add(m, "/v3/lease/keepalive", LeaseGrpc.getLeaseKeepAliveMethod());
    add(m, "/v3/lease/timetolive", LeaseGrpc.getLeaseTimeToLiveMethod());
    add(m, "/v3/kv/lease/timetolive", LeaseGrpc.getLeaseTimeToLiveMethod());
    add(m, "/v3/lease/leases", LeaseGrpc.getLeaseLeasesMethod());
    add(m, "/v3/kv/lease/leases", LeaseGrpc.getLeaseLeasesMethod());
    add(m, "/v3/cluster/member/add", ClusterGrpc.getMemberAddMethod());
    add(m, "/v3/cluster/member/remove", ClusterGrpc.getMemberRemoveMethod());
    add(m, "/v3/cluster/member/update", ClusterGrpc.getMemberUpdateMethod());
    add(m, "/v3/cluster/member/list", ClusterGrpc.getMemberListMethod());
    add(m, "/v3/cluster/member/promote", ClusterGrpc.getMemberPromoteMethod());
    add(m, "/v3/maintenance/alarm", MaintenanceGrpc.getAlarmMethod());
    add(m, "/v3/maintenance/status", MaintenanceGrpc.getStatusMethod());
    add(m, "/v3/maintenance/defragment", MaintenanceGrpc.getDefragmentMethod());
    add(m, "/v3/maintenance/hash", MaintenanceGrpc.getHashMethod());
    add(m, "/v3/maintenance/snapshot", MaintenanceGrpc.getSnapshotMethod());
    add(m, "/v3/maintenance/transfer-leadership", MaintenanceGrpc.getMoveLeaderMethod());
    add(m, "/v3/auth/enable", AuthGrpc.getAuthEnableMethod());
    add(m, "/v3/auth/disable", AuthGrpc.getAuthDisableMethod());
    add(m, "/v3/auth/authenticate", AuthGrpc.getAuthenticateMethod());
    add(m, "/v3/auth/user/add", AuthGrpc.getUserAddMethod());
    add(m, "/v3/auth/user/get", AuthGrpc.getUserGetMethod());
    add(m, "/v3/auth/user/list", AuthGrpc.getUserListMethod());
    add(m, "/v3/auth/user/delete", AuthGrpc.getUserDeleteMethod());
    add(m, "/v3/auth/user/changepw", AuthGrpc.getUserChangePasswordMethod());
    add(m, "/v3/auth/user/grant", AuthGrpc.getUserGrantRoleMethod());
    add(m, "/v3/auth/user/revoke", AuthGrpc.getUserRevokeRoleMethod());
    add(m, "/v3/auth/role/add", AuthGrpc.getRoleAddMethod());
    add(m, "/v3/auth/role/get", AuthGrpc.getRoleGetMethod());
    add(m, "/v3/auth/role/list", AuthGrpc.getRoleListMethod());
    add(m, "/v3/auth/role/delete", AuthGrpc.getRoleDeleteMethod());
    add(m, "/v3/auth/role/grant", AuthGrpc.getRoleGrantPermissionMethod());
    add(m, "/v3/auth/role/revoke", AuthGrpc.getRoleRevokePermissionMethod());
    add(m, "/v3/lock/lock", LockGrpc.getLockMethod());
    add(m, "/v3/lock/unlock", LockGrpc.getUnlockMethod());
    add(m, "/v3/election/campaign", ElectionGrpc.getCampaignMethod());
    add(m, "/v3/election/proclaim", ElectionGrpc.getProclaimMethod());
    add(m, "/v3/election/leader", ElectionGrpc.getLeaderMethod());
    add(m, "/v3/election/observe", ElectionGrpc.getObserveMethod());
    add(m, "/v3/election/resign", ElectionGrpc.getResignMethod());
    return m;
  }

  /**
   * Registers {@code method} under {@code path}, typed as a call on {@link Message}s: the gateway
   * builds requests from JSON through the prototype and prints any answer.
   */
  @SuppressWarnings("unchecked")
  private static <ReqT extends Message, RespT extends Message> void add(
      Map<String, GatewayMethod> table, String path, MethodDescriptor<ReqT, RespT> method) {
    Message prototype =
        (Message) ((MethodDescriptor.PrototypeMarshaller<ReqT>) method.getRequestMarshaller())
            .getMessagePrototype();
    MethodDescriptor<Message, Message> untyped =
        (MethodDescriptor<Message, Message>) (MethodDescriptor<?, ?>) method;
    if (table.putIfAbsent(path, new GatewayMethod(path, untyped, prototype)) != null) {
      throw new IllegalStateException("two gateway methods on " + path);
    }
  }
}
