package io.etcdj.server.config;

/**
 * etcd's {@code --auto-compaction-mode} with its {@code --auto-compaction-retention}, read as etcd
 * 3.4's {@code parseCompactionRetention} reads them: a non-negative integer is hours in periodic
 * mode and a revision count in revision mode; anything else must be a Go duration (so "30m" is
 * half an hour, and in revision mode the duration's nanoseconds become the revision count, as in
 * etcd). A retention of 0 turns auto-compaction off.
 *
 * @param mode {@link #PERIODIC} or {@link #REVISION}
 * @param retention nanoseconds in periodic mode, revisions in revision mode; 0 is off
 */
public record CompactionRetention(String mode, long retention) {
  public static final String PERIODIC = "periodic";
  public static final String REVISION = "revision";

  /** Auto-compaction off. */
  public static final CompactionRetention OFF = new CompactionRetention(PERIODIC, 0);

  private static final long HOUR_NANOS = 3_600_000_000_000L;

  public CompactionRetention {
    if (retention < 0 || !(mode.equals(PERIODIC) || mode.equals(REVISION))) {
      throw new IllegalArgumentException("bad auto-compaction: " + mode + " " + retention);
    }
  }

  public boolean enabled() {
    return retention != 0;
  }

  /** Parses the flag values; a bad retention fails with etcd's start-up error text. */
  static CompactionRetention parse(String mode, String text) {
    long retention;
    Long hours = decimal(text);
    if (hours != null) {
      // etcd: an integer with a mode it does not know leaves the retention at 0 (off).
      retention =
          switch (mode) {
            case REVISION -> hours;
            case PERIODIC -> Math.multiplyExact(hours, HOUR_NANOS);
            default -> 0;
          };
    } else {
      try {
        retention = GoDuration.parseNanos(text);
      } catch (IllegalArgumentException e) {
        throw new FlagException("error parsing CompactionRetention: " + e.getMessage(), 1);
      }
    }
    if (retention != 0 && !mode.equals(PERIODIC) && !mode.equals(REVISION)) {
      throw new FlagException("unsupported compaction mode " + mode, 1);
    }
    if (retention < 0) {
      // etcd takes a negative duration and then compacts in a tight loop (periodic) or asks for
      // a future revision every 5 minutes (revision): refuse it instead.
      throw new FlagException(
          "error parsing CompactionRetention: negative retention \"" + text + "\"", 1);
    }
    return new CompactionRetention(mode.isEmpty() ? PERIODIC : mode, retention);
  }

  /** Go's {@code strconv.Atoi} when it yields a non-negative value; otherwise null. */
  private static Long decimal(String text) {
    String digits = text.startsWith("+") ? text.substring(1) : text;
    if (digits.isEmpty() || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return null;
    }
    try {
      return Long.parseLong(digits);
    } catch (NumberFormatException e) {
      return null; // out of range: Go's Atoi fails too and the text goes to ParseDuration
    }
  }
}
