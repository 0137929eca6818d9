package io.etcdj.server.robustness;

/**
 * A Compact call the harness made: the revision it asked for, when it was called and when it
 * returned ({@code ret} Long.MAX_VALUE when the outcome is unknown), and the member it was sent
 * to. That member applied the compaction before answering, so its watches opened after {@code
 * ret} must see it; another member may apply it later.
 */
public record Compaction(String member, long revision, long call, long ret) {

  public Compaction {
    if (revision < 1 || ret < call) {
      throw new IllegalArgumentException("compaction at " + revision + " [" + call + ", " + ret + "]");
    }
  }

  boolean acknowledged() {
    return ret != Long.MAX_VALUE;
  }
}
