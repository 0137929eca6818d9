package io.etcdj.etcdctl.client.h2;

/**
 * Inbound flow control of the connection or of one stream: the credit we granted the peer. DATA
 * beyond it is a FLOW_CONTROL_ERROR; consumed octets are given back in one WINDOW_UPDATE once
 * they reach half the window, so a steady stream costs one update per half window.
 *
 * <p>Not thread-safe: used by the connection's reader thread, or under the stream's lock.
 */
final class RecvWindow {
  private final int size;
  private long window;
  private int unacked;

  RecvWindow(int size) {
    this.size = size;
    this.window = size;
  }

  long window() {
    return window;
  }

  /** DATA of {@code n} flow-controlled octets (padding included) arrived. */
  void received(int n) throws H2Exception {
    if (n > window) {
      throw new H2Exception(H2Exception.FLOW_CONTROL_ERROR, "peer sent " + n + " octets beyond a window of " + window);
    }
    window -= n;
  }

  /** {@code n} received octets were consumed; returns the increment to send now, or 0. */
  int consumed(int n) {
    unacked += n;
    if (unacked < size / 2) {
      return 0;
    }
    int inc = unacked;
    unacked = 0;
    window += inc;
    return inc;
  }
}
