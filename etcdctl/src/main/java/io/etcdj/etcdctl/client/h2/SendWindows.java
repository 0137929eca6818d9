package io.etcdj.etcdctl.client.h2;

import java.util.HashMap;
import java.util.Map;

/**
 * Outbound flow control (RFC 7540 section 6.9): the connection window and one window per open
 * stream, all credit the peer granted us. DATA may be sent only within both. A SETTINGS change of
 * INITIAL_WINDOW_SIZE shifts every open stream's window by the difference, possibly below zero
 * (section 6.9.2).
 *
 * <p>Plain accounting, not thread-safe: the connection guards it with its flow lock.
 */
final class SendWindows {
  static final int WINDOW_DEFAULT = 65_535;
  static final long WINDOW_MAX = Integer.MAX_VALUE;

  private long connection = WINDOW_DEFAULT;
  private int initial = WINDOW_DEFAULT;
  private final Map<Integer, long[]> streams = new HashMap<>();

  void open(int streamId) {
    streams.put(streamId, new long[] {initial});
  }

  void close(int streamId) {
    streams.remove(streamId);
  }

  long connection() {
    return connection;
  }

  /** The stream's window, or -1 when it is not open. */
  long stream(int streamId) {
    long[] w = streams.get(streamId);
    return w == null ? -1 : w[0];
  }

  /** How many octets of {@code wanted} may go in one DATA frame now (0: wait for credit). */
  int sendable(int streamId, int wanted, int frameBytesMax) {
    long[] w = streams.get(streamId);
    if (w == null) {
      return 0;
    }
    long n = Math.min(Math.min(wanted, frameBytesMax), Math.min(connection, w[0]));
    return (int) Math.max(0, n);
  }

  /** Records {@code n} octets sent on the stream; the caller got them from {@link #sendable}. */
  void consume(int streamId, int n) {
    long[] w = streams.get(streamId);
    if (w == null || n > w[0] || n > connection) {
      throw new IllegalStateException("sent " + n + " octets beyond the window");
    }
    w[0] -= n;
    connection -= n;
  }

  /** A WINDOW_UPDATE; stream 0 is the connection. A window above 2^31-1 is a FLOW_CONTROL_ERROR. */
  void update(int streamId, int increment) throws H2Exception {
    if (streamId == 0) {
      connection += increment;
      if (connection > WINDOW_MAX) {
        throw new H2Exception(H2Exception.FLOW_CONTROL_ERROR, "connection window above 2^31-1");
      }
      return;
    }
    long[] w = streams.get(streamId);
    if (w != null) {
      w[0] += increment;
      if (w[0] > WINDOW_MAX) {
        throw new H2Exception(H2Exception.FLOW_CONTROL_ERROR, "stream window above 2^31-1");
      }
    }
  }

  /** SETTINGS_INITIAL_WINDOW_SIZE from the peer. */
  void initialWindow(int size) throws H2Exception {
    if (size < 0) {
      throw new H2Exception(H2Exception.FLOW_CONTROL_ERROR, "initial window above 2^31-1");
    }
    int delta = size - initial;
    initial = size;
    for (long[] w : streams.values()) {
      w[0] += delta;
      if (w[0] > WINDOW_MAX) {
        throw new H2Exception(H2Exception.FLOW_CONTROL_ERROR, "stream window above 2^31-1");
      }
    }
  }
}
