package io.etcdj.server.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.TxnRequest;
import io.etcdj.api.etcdserverpb.WatchRequest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Request bodies read as etcd 3.4.23's gateway reads them; every error text here was answered by
 * a live etcd 3.4.23 to {@code curl -X POST /v3/kv/range -d BODY}.
 */
class JsonpbReaderTest {

  private static RangeRequest range(String body) throws Exception {
    Message.Builder b = RangeRequest.newBuilder();
    GoJson.Value v = new GoJson(body).next();
    if (v != null) {
      JsonpbReader.merge(v, b);
    }
    return (RangeRequest) b.build();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "{bad | invalid character 'b' looking for beginning of object key string",
        "{\"key\":123} | json: cannot unmarshal number into Go value of type []uint8",
        "{\"key\":\"not base64!\"} | illegal base64 data at input byte 3",
        "{\"key\":\"Zm9v\",\"limit\":\"abc\"} | invalid character 'a' looking for beginning of value",
        "{\"key\":\"Zm9v\",\"limit\":1.5} | json: cannot unmarshal number 1.5 into Go value of type int64",
        "{\"key\":\"Zm9v\",\"sort_order\":\"NOPE\"} | unknown value \"NOPE\" for enum etcdserverpb.RangeRequest_SortOrder",
        "[1] | json: cannot unmarshal array into Go value of type map[string]json.RawMessage",
        "{\"key\":\"Zm9v\" | unexpected EOF",
        "{\"key\":\"Zm9v\",} | invalid character '}' looking for beginning of object key string",
        "{\"key\":\"Zm9v\" \"x\"} | invalid character '\"' after object key:value pair",
        "{\"key\":\"Zm9v\",\"serializable\":\"true\"} | json: cannot unmarshal string into Go value of type bool",
        "{\"key\":\"Zm9v\",\"limit\":99999999999999999999} | json: cannot unmarshal number 99999999999999999999 into Go value of type int64",
        "{\"key\":\"Zm9v-_\"} | illegal base64 data at input byte 4",
        "{\"key\":\"Zm9\"} | illegal base64 data at input byte 0",
      })
  void refusesAsEtcd(String body, String message) {
    Exception e = assertThrows(Exception.class, () -> range(body));
    assertEquals(message, e.getMessage());
  }

  @Test
  void acceptsWhatEtcdAccepts() throws Exception {
    assertEquals(ByteString.copyFromUtf8("foo"), range("{\"key\":\"Zm9v\",\"bogus\":1}").getKey());
    assertEquals(2, range("{\"key\":\"Zm9v\",\"limit\":\"2\"}").getLimit());
    RangeRequest r = range("{\"key\":\"Zm9v\",\"sort_order\":2,\"countOnly\":true}");
    assertEquals(RangeRequest.SortOrder.DESCEND, r.getSortOrder());
    assertEquals(true, r.getCountOnly());
    assertEquals(ByteString.copyFromUtf8("foo"), range("{\"key\":\"Zm9v\"} trailing").getKey());
    assertEquals(RangeRequest.getDefaultInstance(), range("null"));
    assertEquals(RangeRequest.getDefaultInstance(), range("{\"key\":null}"));
    assertEquals(RangeRequest.getDefaultInstance(), range("  "));
    assertEquals(-1, range("{\"key\":\"Zm9v\",\"limit\":-1}").getLimit());
    assertEquals(ByteString.copyFromUtf8("bar"), range("{\"key\":\"Zm9v\",\"key\":\"YmFy\"}").getKey());
    assertEquals(ByteString.EMPTY, range("{\"Key\":\"Zm9v\"}").getKey());
    assertEquals(
        ByteString.copyFromUtf8("b"), range("{\"range_end\":\"YQ==\",\"rangeEnd\":\"Yg==\"}").getRangeEnd());
  }

  @Test
  void readsNestedOneofsAndStreams() throws Exception {
    Message.Builder b = TxnRequest.newBuilder();
    JsonpbReader.merge(
        new GoJson(
                "{\"compare\":[{\"target\":\"VALUE\",\"key\":\"Zm9v\",\"result\":\"EQUAL\",\"value\":\"YmF6\"}],"
                    + "\"success\":[{\"request_put\":{\"key\":\"Zm9v\",\"value\":\"cXV4\"}}]}")
            .next(),
        b);
    TxnRequest txn = (TxnRequest) b.build();
    assertEquals("baz", txn.getCompare(0).getValue().toStringUtf8());
    assertEquals("qux", txn.getSuccess(0).getRequestPut().getValue().toStringUtf8());

    GoJson body = new GoJson("{\"create_request\":{\"key\":\"dw==\"}}{\"progress_request\":{}} {bad");
    WatchRequest.Builder first = WatchRequest.newBuilder();
    JsonpbReader.merge(body.next(), first);
    assertEquals("w", first.getCreateRequest().getKey().toStringUtf8());
    WatchRequest.Builder second = WatchRequest.newBuilder();
    JsonpbReader.merge(body.next(), second);
    assertEquals(true, second.hasProgressRequest());
    GoJson.SyntaxException e = assertThrows(GoJson.SyntaxException.class, body::next);
    assertEquals("invalid character 'b' looking for beginning of object key string", e.getMessage());
  }
}
