package io.etcdj.etcdctl.client.h2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Metadata;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Frame codec round trips, flow-control accounting, gRPC framing and the gRPC/HTTP2 mapping. */
class FramingTest {
  @Test
  void frameRoundTrip() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] payload = new byte[70_000];
    payload[0] = 7;
    payload[69_999] = 9;
    Frame.write(out, Frame.DATA, Frame.FLAG_END_STREAM, 0x7fff_ffff, payload, 0, payload.length);
    Frame.write(out, Frame.PING, Frame.FLAG_ACK, 0, new byte[8], 0, 8);
    ByteArrayInputStream in = new ByteArrayInputStream(out.toByteArray());
    Frame f = Frame.read(in, Frame.FRAME_BYTES_MAX);
    assertEquals(Frame.DATA, f.type());
    assertEquals(0x7fff_ffff, f.streamId());
    assertTrue(f.has(Frame.FLAG_END_STREAM));
    assertArrayEquals(payload, f.payload());
    Frame ping = Frame.read(in, Frame.FRAME_BYTES_DEFAULT);
    assertEquals(Frame.PING, ping.type());
    assertTrue(ping.has(Frame.FLAG_ACK));
    assertEquals(8, ping.payload().length);
  }

  @Test
  void oversizedFrameIsAFrameSizeError() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Frame.write(out, Frame.DATA, 0, 1, new byte[16_385], 0, 16_385);
    H2Exception e =
        assertThrows(
            H2Exception.class, () -> Frame.read(new ByteArrayInputStream(out.toByteArray()), Frame.FRAME_BYTES_DEFAULT));
    assertEquals(H2Exception.FRAME_SIZE_ERROR, e.code);
  }

  @Test
  void paddingAndPriorityAreStripped() throws Exception {
    byte[] p = {3, 0, 0, 0, 1, 16, 'a', 'b', 0, 0, 0};
    int[] range = Frame.contentRange(new Frame(Frame.HEADERS, Frame.FLAG_PADDED | Frame.FLAG_PRIORITY, 1, p));
    assertEquals(6, range[0]);
    assertEquals(8, range[1]);
    assertThrows(H2Exception.class, () -> Frame.contentRange(new Frame(Frame.DATA, Frame.FLAG_PADDED, 1, new byte[] {5, 1})));
  }

  @Test
  void sendWindowsAccounting() throws Exception {
    SendWindows w = new SendWindows();
    w.open(1);
    assertEquals(16_384, w.sendable(1, 100_000, 16_384));
    w.consume(1, 60_000);
    assertEquals(5_535, w.sendable(1, 100_000, 16_384));
    w.consume(1, 5_535);
    assertEquals(0, w.sendable(1, 1, 16_384)); // both windows empty: wait
    w.update(1, 1_000);
    assertEquals(0, w.sendable(1, 1, 16_384)); // the connection window is still empty
    w.update(0, 500);
    assertEquals(500, w.sendable(1, 100_000, 16_384));
    // SETTINGS_INITIAL_WINDOW_SIZE shifts open streams, possibly below zero (RFC 7540 6.9.2).
    w.initialWindow(0);
    assertEquals(1_000 - 65_535, w.stream(1));
    w.open(3);
    assertEquals(0, w.stream(3));
    w.initialWindow(1 << 20);
    assertEquals((1 << 20) + 1_000 - 65_535, w.stream(1));
    assertThrows(H2Exception.class, () -> w.update(0, Integer.MAX_VALUE));
    w.close(1);
    assertEquals(-1, w.stream(1));
    assertEquals(0, w.sendable(1, 10, 16_384));
  }

  @Test
  void recvWindowAccounting() throws Exception {
    RecvWindow w = new RecvWindow(1_000);
    w.received(400);
    assertEquals(0, w.consumed(400)); // below half: no update yet
    w.received(600);
    assertEquals(0, w.window());
    assertThrows(H2Exception.class, () -> w.received(1));
    assertEquals(1_000, w.consumed(600)); // 1000 owed: one update
    assertEquals(1_000, w.window());
  }

  @Test
  void deframerSplitsAndRefusesCompressed() throws Exception {
    Deframer d = new Deframer(10);
    List<byte[]> got = new ArrayList<>();
    byte[] wire = {0, 0, 0, 0, 2, 'h', 'i', 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    for (byte b : wire) {
      d.feed(new byte[] {b}, 0, 1, got::add);
    }
    assertTrue(d.partial());
    d.feed(new byte[] {'!'}, 0, 1, got::add);
    assertEquals(3, got.size());
    assertArrayEquals(new byte[] {'h', 'i'}, got.get(0));
    assertEquals(0, got.get(1).length);
    assertArrayEquals(new byte[] {'!'}, got.get(2));
    Deframer.DeframeException e =
        assertThrows(Deframer.DeframeException.class, () -> d.feed(new byte[] {1, 0, 0, 0, 0}, 0, 5, got::add));
    assertEquals(Status.Code.INTERNAL, e.status.getCode());
    Deframer big = new Deframer(10);
    assertEquals(
        Status.Code.RESOURCE_EXHAUSTED,
        assertThrows(Deframer.DeframeException.class, () -> big.feed(new byte[] {0, 0, 0, 0, 11}, 0, 5, got::add))
            .status
            .getCode());
  }

  @ParameterizedTest
  @CsvSource({"0, 0n", "1, 1n", "99999999, 99999999n", "100000000, 100000u", "5000000000, 5000000u",
      "100000000000, 100000m", "100000000000000, 100000S", "9223372036854775807, 2562048H"})
  void grpcTimeout(long nanos, String text) {
    assertEquals(text, GrpcWire.timeout(nanos));
  }

  @Test
  void trailersToStatus() {
    Status s =
        GrpcWire.status(
            List.of(new Header("grpc-status", "9"), new Header("grpc-message", "caf%C3%A9 100%25 %zz")));
    assertEquals(Status.Code.FAILED_PRECONDITION, s.getCode());
    assertEquals("café 100% %zz", s.getDescription());
    assertEquals(Status.Code.UNIMPLEMENTED, GrpcWire.status(List.of(new Header(":status", "404"))).getCode());
    assertEquals(Status.Code.UNKNOWN, GrpcWire.status(List.of(new Header(":status", "200"))).getCode());
    assertEquals(Status.Code.CANCELLED, GrpcWire.resetStatus(8).getCode());
    assertEquals(Status.Code.UNAVAILABLE, GrpcWire.resetStatus(7).getCode());
    assertEquals(Status.Code.INTERNAL, GrpcWire.resetStatus(2).getCode());
    assertEquals("RST_STREAM closed stream. HTTP/2 error code: CANCEL", GrpcWire.resetStatus(8).getDescription());
  }

  @Test
  void metadataRoundTrip() {
    Metadata md = new Metadata();
    md.put(Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER), "abc");
    md.put(Metadata.Key.of("x-bin", Metadata.BINARY_BYTE_MARSHALLER), new byte[] {1, 2, (byte) 0xff});
    List<Header> h = GrpcWire.requestHeaders("http", "h:1", "/a.B/C", 1_000_000, "ua", md);
    assertEquals(new Header(":method", "POST"), h.get(0));
    assertEquals("1000000n", GrpcWire.value(h, "grpc-timeout"));
    assertEquals("AQL/", GrpcWire.value(h, "x-bin"));
    Metadata back = GrpcWire.metadata(h);
    assertEquals("abc", back.get(Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER)));
    assertArrayEquals(new byte[] {1, 2, (byte) 0xff}, back.get(Metadata.Key.of("x-bin", Metadata.BINARY_BYTE_MARSHALLER)));
  }
}
