package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link PeerNetwork} on its own: member "a" is this JVM (so the proxy finds it as the dialler),
 * member "b" an echo server behind its proxy. Bytes a sends come back from b's echo.
 */
class PeerNetworkTest {
  private static final int STALL_CHECK_MS = 300;

  private final PeerNetwork net = new PeerNetwork();
  private ServerSocket echo;
  private Socket a;

  @BeforeEach
  void start() throws IOException {
    echo = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
    Thread t =
        new Thread(
            () -> {
              try (Socket s = echo.accept();
                  InputStream in = s.getInputStream();
                  OutputStream out = s.getOutputStream()) {
                in.transferTo(out);
              } catch (IOException ignored) {
                // the test ended the connection
              }
            },
            "echo");
    t.setDaemon(true);
    t.start();
    int proxyPort = EtcdProcess.freePorts(1)[0];
    long self = ProcessHandle.current().pid();
    net.add("a", EtcdProcess.freePorts(1)[0], 1, () -> self); // a's own proxy is not dialled here
    net.add("b", proxyPort, echo.getLocalPort(), () -> -1L);
    a = new Socket(InetAddress.getLoopbackAddress(), proxyPort);
    a.setSoTimeout(STALL_CHECK_MS);
  }

  @AfterEach
  void stop() throws IOException {
    a.close();
    echo.close();
    net.close();
  }

  /** Sends one byte and says whether its echo came back within the stall check. */
  private boolean roundTrip(int b) throws IOException {
    a.getOutputStream().write(b);
    a.getOutputStream().flush();
    try {
      return a.getInputStream().read() == b;
    } catch (SocketTimeoutException e) {
      return false;
    }
  }

  @Test
  void theDiallerIsFoundByItsSocket() throws Exception {
    assertTrue(roundTrip(1));
    assertEquals(List.of("a>b"), net.openLinks());
  }

  @Test
  void anIsolatedMemberHearsNothingUntilHealedAndNothingIsLost() throws Exception {
    assertTrue(roundTrip(1));
    net.isolate("b");
    assertTrue(!roundTrip(2), "delivered while b was isolated");
    net.heal();
    assertEquals(2, a.getInputStream().read(), "the stalled byte arrives once healed");
    assertTrue(roundTrip(3));
  }

  @Test
  void oneWayFaultsStallOneDirectionOnly() throws Exception {
    net.mute("a"); // a's bytes stall: nothing reaches b, so nothing echoes
    assertTrue(!roundTrip(1));
    net.heal();
    assertEquals(1, a.getInputStream().read());

    net.deafen("a"); // b's bytes to a stall: b gets the byte, its echo waits
    assertTrue(!roundTrip(2));
    net.heal();
    assertEquals(2, a.getInputStream().read());

    net.mute("b"); // the same, stated from b's side
    assertTrue(!roundTrip(3));
    net.heal();
    assertEquals(3, a.getInputStream().read());
  }

  @Test
  void aResetCutsTheConnection() throws Exception {
    assertTrue(roundTrip(1));
    net.resetAll();
    assertThrows(
        IOException.class,
        () -> {
          for (int i = 0; i < 100; i++) { // the reset may arrive after a first write succeeds
            a.getOutputStream().write(9);
            a.getOutputStream().flush();
            if (a.getInputStream().read() < 0) {
              throw new IOException("closed");
            }
          }
        });
  }

  @Test
  void aDelayHoldsEveryByteInOrderUntilHealed() throws Exception {
    assertTrue(roundTrip(1));
    net.delay(150, 50); // each way: a round trip takes 300-400 ms, over the 300 ms check
    long start = System.nanoTime();
    a.getOutputStream().write(new byte[] {2, 3, 4});
    a.getOutputStream().flush();
    a.setSoTimeout(2_000);
    byte[] back = a.getInputStream().readNBytes(3);
    long tookMs = (System.nanoTime() - start) / 1_000_000;
    assertEquals(List.of((byte) 2, (byte) 3, (byte) 4), List.of(back[0], back[1], back[2]));
    assertTrue(tookMs >= 300 && tookMs < 1_500, "round trip took " + tookMs + " ms");
    net.heal();
    a.setSoTimeout(STALL_CHECK_MS);
    assertTrue(roundTrip(5), "no delay once healed");
  }

  @Test
  void aBandwidthCapPacesTheBytesUntilHealed() throws Exception {
    assertTrue(roundTrip(1));
    net.limit(64 * 1024); // each way: 64 KiB out and its echo back take about a second each
    byte[] payload = new byte[64 * 1024];
    java.util.Arrays.fill(payload, (byte) 7);
    long start = System.nanoTime();
    Thread sender =
        new Thread(
            () -> {
              try {
                a.getOutputStream().write(payload);
                a.getOutputStream().flush();
              } catch (IOException ignored) {
                // the read below fails too
              }
            });
    sender.start();
    a.setSoTimeout(10_000);
    byte[] back = a.getInputStream().readNBytes(payload.length);
    long tookMs = (System.nanoTime() - start) / 1_000_000;
    sender.join();
    assertEquals(payload.length, back.length);
    assertTrue(java.util.Arrays.equals(payload, back), "the bytes arrive whole and in order");
    assertTrue(tookMs >= 900 && tookMs < 4_000, "64 KiB at 64 KiB/s took " + tookMs + " ms");
    net.heal();
    long healed = System.nanoTime();
    a.getOutputStream().write(payload);
    a.getOutputStream().flush();
    a.getInputStream().readNBytes(payload.length);
    long healedMs = (System.nanoTime() - healed) / 1_000_000;
    assertTrue(healedMs < 500, "no cap once healed: " + healedMs + " ms");
  }
}
