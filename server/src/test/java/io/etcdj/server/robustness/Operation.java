package io.etcdj.server.robustness;

/**
 * One call of a recorded history: the client that made it (one call in flight per client), when
 * it was called and when it returned (nanoseconds on one clock), what was asked and what came
 * back. A {@code response} of null means the outcome is unknown (an error or a timeout): the call
 * may have taken effect at any time after {@code call}, or never, so its return time is taken as
 * infinite.
 */
public record Operation(int client, long call, long ret, KvRequest request, KvResponse response) {

  public Operation {
    if (response == null) {
      ret = Long.MAX_VALUE;
    } else if (ret < call) {
      throw new IllegalArgumentException("returned before it was called: " + call + " > " + ret);
    }
  }

  /** A call whose outcome is unknown. */
  public static Operation unknown(int client, long call, KvRequest request) {
    return new Operation(client, call, Long.MAX_VALUE, request, null);
  }

  boolean outcomeKnown() {
    return response != null;
  }

  @Override
  public String toString() {
    String when = "[" + call + ", " + (response == null ? "?" : Long.toString(ret)) + "]";
    return "client " + client + " " + when + " " + request + " -> " + (response == null ? "unknown" : response);
  }
}
