package io.etcdj.server.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.Member;
import io.etcdj.api.etcdserverpb.PutResponse;
import io.etcdj.api.etcdserverpb.ResponseHeader;
import io.etcdj.api.mvccpb.KeyValue;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

/** Answers printed as etcd 3.4.23's gateway prints them (outputs copied from live curl runs). */
class GatewayJsonTest {

  @Test
  void printsProtoNamesStringInt64sBase64AndLeavesDefaultsOut() {
    PutResponse put =
        PutResponse.newBuilder()
            .setHeader(
                ResponseHeader.newBuilder()
                    .setClusterId(2755613793311995676L)
                    .setMemberId(Long.parseUnsignedLong("9829954754940738069"))
                    .setRevision(3)
                    .setRaftTerm(2))
            .setPrevKv(
                KeyValue.newBuilder()
                    .setKey(ByteString.copyFromUtf8("foo"))
                    .setCreateRevision(2)
                    .setModRevision(2)
                    .setVersion(1)
                    .setValue(ByteString.copyFromUtf8("bar")))
            .build();
    assertEquals(
        "{\"header\":{\"cluster_id\":\"2755613793311995676\",\"member_id\":\"9829954754940738069\","
            + "\"revision\":\"3\",\"raft_term\":\"2\"},\"prev_kv\":{\"key\":\"Zm9v\",\"create_revision\":\"2\","
            + "\"mod_revision\":\"2\",\"version\":\"1\",\"value\":\"YmFy\"}}",
        GatewayJson.print(put));
  }

  @Test
  void escapesStringsAsGo() {
    Member m = Member.newBuilder().setName("a=b'c<d>&\b\f").build();
    assertEquals(
        "{\"name\":\"a=b'c\\u003cd\\u003e\\u0026\\u0008\\u000c\"}", GatewayJson.print(m));
    assertEquals("\"x\\\\u003d\"", GatewayJson.goEscapes("\"x\\\\u003d\""));
  }

  @Test
  void errorBodies() {
    assertEquals(
        "{\"error\":\"etcdserver: lease already exists\",\"message\":\"etcdserver: lease already exists\",\"code\":9}",
        GatewayJson.error(Status.FAILED_PRECONDITION.withDescription("etcdserver: lease already exists")));
    assertEquals(
        "{\"error\":{\"grpc_code\":5,\"http_code\":404,\"message\":\"x\",\"http_status\":\"Not Found\"}}",
        GatewayJson.streamError(Status.NOT_FOUND.withDescription("x"), 404, "Not Found"));
  }
}
