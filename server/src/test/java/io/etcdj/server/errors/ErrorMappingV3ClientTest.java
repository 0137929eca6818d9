package io.etcdj.server.errors;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * How the Lock and Election services report failures: as etcd 3.4, whose handlers see their
 * embedded client's errors (the live answers are in LockElectionDifferentialTest).
 */
class ErrorMappingV3ClientTest {

  static Stream<Arguments> cases() {
    return Stream.of(
        // A KV answer with one of etcd's messages: Unknown, same message.
        Arguments.of(
            Status.NOT_FOUND.withDescription("etcdserver: requested lease not found").asRuntimeException(),
            Status.Code.UNKNOWN,
            "etcdserver: requested lease not found"),
        Arguments.of(
            Status.INVALID_ARGUMENT.withDescription("etcdserver: key is not provided").asRuntimeException(),
            Status.Code.UNKNOWN,
            "etcdserver: key is not provided"),
        // A typed failure, wrapped as futures wrap it.
        Arguments.of(
            new CompletionException(EtcdError.COMPACTED.exception()),
            Status.Code.UNKNOWN,
            "etcdserver: mvcc: required revision has been compacted"),
        Arguments.of(EtcdError.ELECTION_NOT_LEADER.exception(), Status.Code.UNKNOWN, "election: not leader"),
        Arguments.of(EtcdError.ELECTION_NO_LEADER.exception(), Status.Code.UNKNOWN, "election: no leader"),
        Arguments.of(
            EtcdError.MISSING_LEADER_KEY.exception(), Status.Code.UNKNOWN, "\"leader\" field must be provided"),
        // Statuses clientv3 does not know pass unchanged.
        Arguments.of(
            Status.CANCELLED.withDescription("client cancelled").asRuntimeException(),
            Status.Code.CANCELLED,
            "client cancelled"),
        Arguments.of(
            Status.UNIMPLEMENTED.withDescription("Method not found: etcdserverpb.Lease/LeaseGrant").asRuntimeException(),
            Status.Code.UNIMPLEMENTED,
            "Method not found: etcdserverpb.Lease/LeaseGrant"),
        // A bug stays Internal without details.
        Arguments.of(new IllegalStateException("boom"), Status.Code.INTERNAL, "etcdserver: internal error"));
  }

  @ParameterizedTest
  @MethodSource("cases")
  void mapsAsEtcdsEmbeddedClient(Throwable failure, Status.Code code, String message) {
    StatusRuntimeException s = ErrorMapping.toStatusViaV3Client(failure);
    assertEquals(code, s.getStatus().getCode());
    assertEquals(message, s.getStatus().getDescription());
  }
}
