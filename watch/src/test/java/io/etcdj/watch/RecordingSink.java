package io.etcdj.watch;

import java.util.ArrayList;
import java.util.List;

/** A sink with a bounded buffer for offers, like the server's stream buffer. */
final class RecordingSink implements WatchSink {
  private final int capacity;
  private int buffered;
  final List<WatchResponse> received = new ArrayList<>();

  RecordingSink(int capacity) {
    this.capacity = capacity;
  }

  @Override
  public boolean offer(WatchResponse response) {
    if (buffered >= capacity) {
      return false;
    }
    buffered++;
    received.add(response);
    return true;
  }

  @Override
  public void control(WatchResponse response) {
    received.add(response);
  }

  /** The client read everything: the buffer is empty again. */
  void drain() {
    buffered = 0;
  }

  List<WatchResponse> ofKind(WatchResponse.Kind kind) {
    return received.stream().filter(r -> r.kind() == kind).toList();
  }
}
