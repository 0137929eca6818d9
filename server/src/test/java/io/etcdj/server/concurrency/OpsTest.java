package io.etcdj.server.concurrency;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.RangeRequest;
import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The keys and requests the recipes build, against what etcd 3.4's Go code builds. */
class OpsTest {

  /** Go's {@code fmt.Sprintf("%x", int64)}, which names the ownership keys. */
  @ParameterizedTest
  @CsvSource({
    "0, 0",
    "7587873221976464412, 694d8a7e3c9b1c1c",
    "1, 1",
    "-1, -1",
    "-9223372036854775808, -8000000000000000",
    "9223372036854775807, 7fffffffffffffff",
  })
  void leaseHexIsGoHex(long lease, String hex) {
    assertEquals(hex, Ops.goHex(lease));
    assertEquals("lk/" + hex, Ops.ownKey(ByteString.copyFromUtf8("lk/"), lease).toStringUtf8());
  }

  /** clientv3's GetPrefixRangeEnd (hex in, hex out). */
  @ParameterizedTest
  @CsvSource({"6c6b2f, 6c6b30", "61ff, 62", "ffff, 00", "2f, 30", "61fe, 61ff"})
  void prefixEnd(String prefixHex, String endHex) {
    ByteString prefix = ByteString.copyFrom(HexFormat.of().parseHex(prefixHex));
    assertEquals(endHex, HexFormat.of().formatHex(Ops.prefixEnd(prefix).toByteArray()));
  }

  @ParameterizedTest
  @CsvSource({"ASCEND, 0", "DESCEND, 41"})
  void topByCreateRevision(RangeRequest.SortOrder order, long maxCreateRev) {
    ByteString prefix = ByteString.copyFromUtf8("el/");
    RangeRequest r =
        order == RangeRequest.SortOrder.ASCEND
            ? Ops.firstCreated(prefix)
            : Ops.lastCreatedUpTo(prefix, maxCreateRev);
    assertEquals(
        RangeRequest.newBuilder()
            .setKey(prefix)
            .setRangeEnd(ByteString.copyFromUtf8("el0"))
            .setLimit(1)
            .setSortOrder(order)
            .setSortTarget(RangeRequest.SortTarget.CREATE)
            .setMaxCreateRevision(maxCreateRev)
            .build(),
        r);
  }
}
