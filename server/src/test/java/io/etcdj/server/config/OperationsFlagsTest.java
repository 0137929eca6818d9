package io.etcdj.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Auto-compaction, corruption-check and file-retention flags, with etcd 3.4.23's values/texts. */
class OperationsFlagsTest {
  private static ServerConfig parse(String... args) {
    return Flags.parse(args, Map.of());
  }

  @Test
  void defaultsAreEtcds() {
    ServerConfig c = parse();
    assertEquals(new CompactionRetention("periodic", 0), c.autoCompaction());
    assertEquals(false, c.autoCompaction().enabled());
    assertEquals(5, c.maxSnapshots());
    assertEquals(5, c.maxWals());
    assertEquals(false, c.initialCorruptCheck());
    assertEquals(0, c.corruptCheckTimeNanos());
  }

  /** etcd's parseCompactionRetention: an integer is hours (periodic) or revisions. */
  @ParameterizedTest
  @CsvSource({
    "periodic, 1, periodic, 3600000000000",
    "periodic, 72, periodic, 259200000000000",
    "periodic, 30m, periodic, 1800000000000",
    "periodic, 1.5s, periodic, 1500000000",
    "periodic, 0, periodic, 0",
    "revision, 1000, revision, 1000",
    "revision, 5m, revision, 300000000000",
    "revision, 0, revision, 0",
    "'', 7, periodic, 0",
  })
  void retentionIsReadAsEtcdReadsIt(String mode, String retention, String wantMode, long want) {
    ServerConfig c =
        parse("--auto-compaction-mode=" + mode, "--auto-compaction-retention=" + retention);
    assertEquals(new CompactionRetention(wantMode, want), c.autoCompaction());
  }

  /** Messages seen from etcd 3.4.23 itself (it exits 1 on each). */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "periodic|abc|error parsing CompactionRetention: time: invalid duration \"abc\"",
        "periodic|-1|error parsing CompactionRetention: time: missing unit in duration \"-1\"",
        "periodic|1.5|error parsing CompactionRetention: time: missing unit in duration \"1.5\"",
        "periodic|5x|error parsing CompactionRetention: time: unknown unit \"x\" in duration \"5x\"",
        "foo|1|unknown auto-compaction-mode \"foo\"",
        "''|5m|'unsupported compaction mode '",
        "periodic|-5m|error parsing CompactionRetention: negative retention \"-5m\"",
      })
  void badRetentionIsRefused(String mode, String retention, String message) {
    FlagException e =
        assertThrows(
            FlagException.class,
            () ->
                parse("--auto-compaction-mode=" + mode, "--auto-compaction-retention=" + retention));
    assertEquals(message, e.getMessage());
    assertEquals(1, e.exitCode());
  }

  @Test
  void retentionFromEnvironment() {
    ServerConfig c =
        Flags.parse(
            new String[0],
            Map.of("ETCD_AUTO_COMPACTION_MODE", "revision", "ETCD_AUTO_COMPACTION_RETENTION", "9"));
    assertEquals(new CompactionRetention("revision", 9), c.autoCompaction());
  }

  /** Go uint flags: base prefixes as strconv.ParseUint(s, 0, 64). */
  @ParameterizedTest
  @CsvSource({"0, 0", "12, 12", "0x10, 16", "010, 8", "0b11, 3"})
  void fileCountsAreGoUints(String value, long want) {
    ServerConfig c = parse("--max-wals=" + value, "--max-snapshots", value);
    assertEquals(want, c.maxWals());
    assertEquals(want, c.maxSnapshots());
  }

  @ParameterizedTest
  @CsvSource({"-1", "abc", "+3", "''", "1.5"})
  void badFileCountIsAParseError(String value) {
    FlagException e = assertThrows(FlagException.class, () -> parse("--max-snapshots=" + value));
    assertEquals(
        "invalid value \"" + value + "\" for flag -max-snapshots: parse error", e.getMessage());
    assertEquals(2, e.exitCode());
  }

  @ParameterizedTest
  @CsvSource({
    "--experimental-initial-corrupt-check, true",
    "--experimental-initial-corrupt-check=false, false",
    "-experimental-initial-corrupt-check=1, true",
  })
  void initialCorruptCheckIsAGoBool(String arg, boolean want) {
    assertEquals(want, parse(arg).initialCorruptCheck());
  }

  @ParameterizedTest
  @CsvSource({"5m, 300000000000", "1.5s, 1500000000", "0, 0"})
  void corruptCheckTimeIsAGoDuration(String value, long nanos) {
    assertEquals(nanos, parse("--experimental-corrupt-check-time", value).corruptCheckTimeNanos());
  }

  @Test
  void badCorruptCheckTimeIsAParseError() {
    FlagException e =
        assertThrows(FlagException.class, () -> parse("--experimental-corrupt-check-time=10"));
    assertEquals(
        "invalid value \"10\" for flag -experimental-corrupt-check-time: parse error",
        e.getMessage());
    assertEquals(2, e.exitCode());
  }

  /** Go's Duration.String, which etcd's compactor log lines print. */
  @ParameterizedTest
  @CsvSource({
    "0, 0s",
    "1, 1ns",
    "1500, 1.5µs",
    "1500000, 1.5ms",
    "1000000000, 1s",
    "90000000000, 1m30s",
    "3600000000000, 1h0m0s",
    "259200000000000, 72h0m0s",
    "1500000000, 1.5s",
    "-2000000000, -2s",
  })
  void goDurationFormat(long nanos, String text) {
    assertEquals(text, GoDuration.format(nanos));
  }
}
