package io.etcdj.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.RequestOp;
import io.etcdj.api.etcdserverpb.TxnRequest;
import io.etcdj.api.etcdserverpb.WatchRequest;
import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * gogo-protobuf's errors. The texts of the PutRequest rows with a truncated or overflowing tag, tag
 * 0, an end-group tag, a wrong wire type, a negative length and wire type 6 are etcd 3.4.23's live
 * answers (BadInputProcessTest checks them on both servers); the others follow gogo's generated
 * code for the same checks.
 */
class GogoUnmarshalErrorsTest {

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "''                     | decodable",
        "0a016b                 | decodable",
        "80                     | unexpected EOF",
        "ffffffffffffffffffff01 | proto: integer overflow",
        "07                     | proto: PutRequest: illegal tag 0 (wire type 7)",
        "0a016b0c               | proto: PutRequest: wiretype end group for non-group",
        "0d00000000             | proto: wrong wireType = 5 for field Key",
        "0a016b12ffffffffffffffffff01 | proto: negative length found during unmarshaling",
        "0a016bfe01             | proto: illegal wireType 6",
        "7a0501                 | unexpected EOF",
        "7a0101                 | decodable",
        "0a05616263             | unexpected EOF",
        "1801                   | decodable",
        "2201                   | proto: wrong wireType = 2 for field PrevKv",
        "220100                 | proto: wrong wireType = 2 for field PrevKv",
        "28                     | unexpected EOF",
      })
  void putRequest(String hex, String expected) {
    assertEquals(expected, verdict(PutRequest.getDescriptor(), hex));
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        // create_request (1) holding filters (5) with wire type 1
        "0a0929000000000000000000 | proto: wrong wireType = 1 for field Filters",
        // create_request's length runs past the end
        "0a0229                 | unexpected EOF",
        // create_request holding a key field with wire type 0
        "0a020801               | proto: wrong wireType = 0 for field Key",
        // packed filters: [1, 0]
        "0a042a020100           | decodable",
      })
  void nestedMessages(String hex, String expected) {
    assertEquals(expected, verdict(WatchRequest.getDescriptor(), hex));
  }

  @org.junit.jupiter.api.Test
  void nestingBeyondTheLimitIsTooDeep() {
    TxnRequest t = TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(com.google.protobuf.ByteString.copyFromUtf8("k")))).build();
    for (int i = 0; i < 20; i++) {
      t = TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestTxn(t)).build();
    }
    byte[] bytes = t.toByteArray();
    assertEquals(new GogoUnmarshalErrors.Decodable(), GogoUnmarshalErrors.explain(TxnRequest.getDescriptor(), bytes, 42));
    assertEquals(new GogoUnmarshalErrors.TooDeep(), GogoUnmarshalErrors.explain(TxnRequest.getDescriptor(), bytes, 41));
  }

  @ParameterizedTest
  @CsvSource({"key,Key", "range_end,RangeEnd", "TTL,TTL", "ID,ID", "peerURLs,PeerURLs", "prev_kv,PrevKv", "_x,XX", "a_1,A_1"})
  void goNames(String proto, String go) {
    assertEquals(go, GogoUnmarshalErrors.goName(proto));
  }

  private static String verdict(com.google.protobuf.Descriptors.Descriptor type, String hex) {
    GogoUnmarshalErrors.Verdict v = GogoUnmarshalErrors.explain(type, HexFormat.of().parseHex(hex.strip()), 100);
    return v instanceof GogoUnmarshalErrors.GoError go ? go.message() : v instanceof GogoUnmarshalErrors.Decodable ? "decodable" : "too deep";
  }
}
