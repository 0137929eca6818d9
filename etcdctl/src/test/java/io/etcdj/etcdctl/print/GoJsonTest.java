package io.etcdj.etcdctl.print;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.PutResponse;
import io.etcdj.api.etcdserverpb.RangeResponse;
import io.etcdj.api.etcdserverpb.ResponseHeader;
import io.etcdj.api.etcdserverpb.ResponseOp;
import io.etcdj.api.etcdserverpb.TxnResponse;
import io.etcdj.api.mvccpb.Event;
import io.etcdj.api.mvccpb.KeyValue;
import java.util.List;
import org.junit.jupiter.api.Test;

/** encoding/json over etcd's gogo structs, checked against what stock etcdctl printed. */
class GoJsonTest {
  private static final ResponseHeader HDR =
      ResponseHeader.newBuilder().setClusterId(-1L).setMemberId(3319814642761637952L).setRevision(3).setRaftTerm(2).build();

  @Test
  void rangeResponseAsEtcdctlPrintsIt() {
    RangeResponse r =
        RangeResponse.newBuilder()
            .setHeader(HDR)
            .addKvs(KeyValue.newBuilder().setKey(ByteString.copyFromUtf8("a")).setCreateRevision(2).setModRevision(2).setVersion(1).setValue(ByteString.copyFromUtf8("1")))
            .setCount(1)
            .build();
    assertEquals(
        "{\"header\":{\"cluster_id\":18446744073709551615,\"member_id\":3319814642761637952,\"revision\":3,\"raft_term\":2},"
            + "\"kvs\":[{\"key\":\"YQ==\",\"create_revision\":2,\"mod_revision\":2,\"version\":1,\"value\":\"MQ==\"}],\"count\":1}",
        GoJson.marshal(r));
  }

  @Test
  void zeroFieldsAndUnsetMessagesAreLeftOut() {
    assertEquals("{}", GoJson.marshal(PutResponse.getDefaultInstance()));
    assertEquals("{\"header\":{}}", GoJson.marshal(PutResponse.newBuilder().setHeader(ResponseHeader.getDefaultInstance()).build()));
  }

  @Test
  void oneofIsGoInterfaceAndWrapper() {
    TxnResponse t =
        TxnResponse.newBuilder()
            .setSucceeded(true)
            .addResponses(ResponseOp.newBuilder().setResponsePut(PutResponse.getDefaultInstance()))
            .build();
    assertEquals("{\"succeeded\":true,\"responses\":[{\"Response\":{\"ResponsePut\":{}}}]}", GoJson.marshal(t));
  }

  @Test
  void enumsAreNumbersAndStringsHtmlSafe() {
    Event e = Event.newBuilder().setType(Event.EventType.DELETE).build();
    assertEquals("{\"type\":1}", GoJson.marshal(e));
    assertEquals("\"\\u003ca\\u0026b\\u003e\\n\"", GoJson.quote("<a&b>\n"));
  }

  @Test
  void tableAsTablewriter() {
    String t = Table.render(List.of("endpoint", "hash"), List.of(List.of("127.0.0.1:23790", "1827592406")));
    assertEquals(
        "+-----------------+------------+\n"
            + "|    ENDPOINT     |    HASH    |\n"
            + "+-----------------+------------+\n"
            + "| 127.0.0.1:23790 | 1827592406 |\n"
            + "+-----------------+------------+\n",
        t);
  }

  @Test
  void humanizedSizes() {
    assertEquals("20 kB", Humanize.bytes(20480));
    assertEquals("9 B", Humanize.bytes(9));
    assertEquals("1.5 MB", Humanize.bytes(1_500_000));
    assertEquals("21 kB", Humanize.bytes(20_600));
    assertEquals("25 MB", Humanize.bytes(24_600_000));
  }
}
