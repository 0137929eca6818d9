package io.etcdj.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Go's flag package rules as etcd 3.4.23 applies them, beyond what the other config tests cover; each outcome was
 * seen from /usr/bin/etcd itself (exit status and first line of stderr).
 */
class GoFlagRulesTest {

  private static ServerConfig parse(String... args) {
    return Flags.parse(args, Map.of());
  }

  private static FlagException refused(Map<String, String> env, String... args) {
    return assertThrows(FlagException.class, () -> Flags.parse(args, env));
  }

  private static void assertRefused(int exitCode, String message, FlagException e) {
    assertEquals(message, e.getMessage());
    assertEquals(exitCode, e.exitCode());
  }

  /** strconv.ParseBool's twelve spellings, only after "="; bare means true. */
  @ParameterizedTest
  @CsvSource({
    "-debug, true",
    "--debug=1, true",
    "--debug=t, true",
    "--debug=T, true",
    "--debug=TRUE, true",
    "--debug=true, true",
    "--debug=True, true",
    "--debug=0, false",
    "--debug=f, false",
    "--debug=F, false",
    "--debug=FALSE, false",
    "--debug=false, false",
    "--debug=False, false",
  })
  void boolFlagsTakeGoBoolSpellings(String arg, boolean debug) {
    assertEquals(debug, parse(arg).logging().debug());
  }

  @ParameterizedTest
  @CsvSource({"yes", "fALSE", "''", "on", "2"})
  void otherBoolSpellingsAreParseErrors(String value) {
    assertRefused(
        2,
        "invalid boolean value \"" + value + "\" for -debug: parse error",
        refused(Map.of(), "--debug=" + value));
  }

  @Test
  void aBoolFlagNeverTakesTheNextArgument() {
    assertRefused(1, "'false' is not a valid flag", refused(Map.of(), "--debug", "false"));
    assertEquals("n", parse("--debug", "--name", "n").name());
  }

  @Test
  void doubleDashEndsTheFlags() {
    assertEquals("default", parse("--").name());
    assertEquals("n", parse("--name", "n", "--").name());
    assertRefused(1, "'--max-txn-ops=3' is not a valid flag", refused(Map.of(), "--name", "n", "--", "--max-txn-ops=3"));
    assertRefused(1, "'--help' is not a valid flag", refused(Map.of(), "--", "--help"));
    assertFalse(Flags.helpRequested(new String[] {"--", "--help"}));
  }

  @Test
  void theFirstNonFlagEndsTheFlags() {
    assertRefused(1, "'-' is not a valid flag", refused(Map.of(), "-"));
    assertRefused(1, "'x' is not a valid flag", refused(Map.of(), "x", "--foo"));
    assertRefused(1, "'@args' is not a valid flag", refused(Map.of(), "--name", "n", "@args"));
  }

  @Test
  void theLastOfARepeatedFlagWins() {
    assertEquals(4, parse("--max-txn-ops=3", "-max-txn-ops", "4").maxTxnOps());
    assertFalse(parse("--debug", "--debug=false").logging().debug());
    assertEquals("b", parse("-name=a", "--name", "b").name());
  }

  /** A non-bool flag takes the next argument whatever it looks like. */
  @Test
  void aValueMayStartWithADash() {
    assertEquals("-x", parse("--name", "-x").name());
    assertEquals("--", parse("--name", "--").name());
    assertEquals(-5, parse("--quota-backend-bytes", "-5").quotaBackendBytes());
    assertEquals("--help", parse("--initial-cluster-token", "--help").initialClusterToken());
    assertFalse(Flags.helpRequested(new String[] {"--initial-cluster-token", "--help"}));
    // "--data-dir" is the member's name, so "x" is the first argument after the flags.
    assertRefused(1, "'x' is not a valid flag", refused(Map.of(), "--name", "--data-dir", "x"));
  }

  @ParameterizedTest
  @CsvSource({"---x", "-=x", "--=x", "---name=n"})
  void badFlagSyntax(String arg) {
    assertRefused(2, "bad flag syntax: " + arg, refused(Map.of(), arg));
  }

  /** Go stops at the first bad flag: what comes after it is never looked at. */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "--foo --enable-v2=true|flag provided but not defined: -foo",
        "--max-txn-ops=abc --enable-v2=true|invalid value \"abc\" for flag -max-txn-ops: parse error",
        "--strict-reconfig-check=x --foo|invalid boolean value \"x\" for -strict-reconfig-check: parse error",
        "--strict-reconfig-check=x --max-txn-ops=0|invalid boolean value \"x\" for -strict-reconfig-check: parse error",
      })
  void theFirstErrorWins(String line, String message) {
    assertRefused(2, message, refused(Map.of("ETCD_ENABLE_V2", "true"), line.split(" ")));
  }

  /** Go's base-0 unsigned syntax: prefixes, a leading 0 for octal, underscores between digits; no sign. */
  @ParameterizedTest
  @CsvSource({"0x10, 16", "0X10, 16", "0o17, 15", "010, 8", "0b11, 3", "1_000, 1000", "0x_10, 16", "0, 0", "7, 7"})
  void unsignedFlagsTakeGoSyntax(String value, long want) {
    assertEquals(want, parse("--max-wals=" + value).maxWals());
    assertEquals(want, parse("--max-snapshots", value).maxSnapshots());
  }

  @ParameterizedTest
  @CsvSource({"-1", "+5", "1__0", "_1", "1_", "0x", "08", "0b2", "' 5'", "'5 '", "1e3", "٣"})
  void otherUnsignedSpellingsAreParseErrors(String value) {
    assertRefused(
        2,
        "invalid value \"" + value + "\" for flag -heartbeat-interval: parse error",
        refused(Map.of(), "--heartbeat-interval=" + value));
  }

  /** etcdj keeps these in an int or a long; a larger uint, which no cluster can reach, reads as the largest. */
  @Test
  void unsignedValuesBeyondJavasRangeAreCapped() {
    assertEquals(Integer.MAX_VALUE, parse("--max-txn-ops=99999999999").maxTxnOps());
    assertEquals(Long.MAX_VALUE, parse("--max-request-bytes=18446744073709551615").maxRequestBytes());
    assertRefused(
        2,
        "invalid value \"18446744073709551616\" for flag -max-request-bytes: value out of range",
        refused(Map.of(), "--max-request-bytes=18446744073709551616"));
  }

  @ParameterizedTest
  @CsvSource({
    "+7, 7",
    "-0x10, -16",
    "9223372036854775807, 9223372036854775807",
    "-9223372036854775808, -9223372036854775808",
    "-1_0, -10"
  })
  void int64FlagsTakeASign(String value, long want) {
    assertEquals(want, parse("--quota-backend-bytes=" + value).quotaBackendBytes());
  }

  @Test
  void int64Errors() {
    assertRefused(
        2,
        "invalid value \"9223372036854775808\" for flag -quota-backend-bytes: value out of range",
        refused(Map.of(), "--quota-backend-bytes=9223372036854775808"));
    assertRefused(
        2,
        "invalid value \"+-1\" for flag -quota-backend-bytes: parse error",
        refused(Map.of(), "--quota-backend-bytes=+-1"));
  }

  /** etcd's uint32 flag reports strconv's own error. */
  @Test
  void maxConcurrentStreamsIsEtcdsUint32() {
    assertEquals(16, parse("--max-concurrent-streams=0x10").grpc().maxConcurrentStreams());
    assertRefused(
        2,
        "invalid value \"abc\" for flag -max-concurrent-streams: strconv.ParseUint: parsing \"abc\": invalid syntax",
        refused(Map.of(), "--max-concurrent-streams=abc"));
    assertRefused(
        2,
        "invalid value \"4294967296\" for flag -max-concurrent-streams: strconv.ParseUint: parsing \"4294967296\":"
            + " value out of range",
        refused(Map.of(), "--max-concurrent-streams=4294967296"));
  }

  @Test
  void valuesAreQuotedAsGoQuotesThem() {
    assertRefused(
        2,
        "invalid value \"a\\\"b\\n\" for flag -max-txn-ops: parse error",
        refused(Map.of(), "--max-txn-ops=a\"b\n"));
  }

  /** A bad variable is etcd's verification error (exit 1), named by the variable. */
  @Test
  void badVariablesNameTheVariable() {
    assertRefused(
        1, "invalid value \"abc\" for ETCD_MAX_TXN_OPS: parse error", refused(Map.of("ETCD_MAX_TXN_OPS", "abc")));
    assertRefused(
        1, "invalid value \"-1\" for ETCD_SNAPSHOT_COUNT: parse error", refused(Map.of("ETCD_SNAPSHOT_COUNT", "-1")));
    assertRefused(
        1,
        "invalid value \"10\" for ETCD_GRPC_KEEPALIVE_MIN_TIME: parse error",
        refused(Map.of("ETCD_GRPC_KEEPALIVE_MIN_TIME", "10")));
    assertRefused(
        1,
        "invalid value \"-1\" for ETCD_MAX_CONCURRENT_STREAMS: strconv.ParseUint: parsing \"-1\": invalid syntax",
        refused(Map.of("ETCD_MAX_CONCURRENT_STREAMS", "-1")));
    assertEquals(16, Flags.parse(new String[0], Map.of("ETCD_MAX_TXN_OPS", "0x10")).maxTxnOps());
  }

  /** etcd tries every variable in flag-name order and reports the last failure. */
  @Test
  void theLastBadVariableIsReported() {
    assertRefused(
        1,
        "invalid value \"abc\" for ETCD_MAX_TXN_OPS: parse error",
        refused(Map.of("ETCD_MAX_TXN_OPS", "abc", "ETCD_HEARTBEAT_INTERVAL", "xyz")));
  }

  /** The command line is parsed before the environment is read; a conflict is reported before a bad variable. */
  @Test
  void commandLineThenConflictThenVariables() {
    assertRefused(
        2,
        "invalid value \"x\" for flag -max-txn-ops: parse error",
        refused(Map.of("ETCD_NAME", "a"), "--name", "b", "--max-txn-ops=x"));
    assertRefused(2, "flag provided but not defined: -foo", refused(Map.of("ETCD_ENABLE_V2", "true"), "--foo"));
    FlagException conflict = refused(Map.of("ETCD_NAME", "a", "ETCD_MAX_TXN_OPS", "abc"), "--name", "b");
    assertEquals(1, conflict.exitCode());
    assertTrue(conflict.getMessage().startsWith("conflicting environment variable \"ETCD_NAME\""), conflict.getMessage());
    assertRefused(
        1,
        "invalid value \"abc\" for ETCD_MAX_TXN_OPS: parse error",
        refused(Map.of("ETCD_MAX_TXN_OPS", "abc"), "--name", "b", "--heartbeat-interval=5"));
  }

  /** Refused flags are etcd flags: set both ways they conflict; an empty variable sets nothing, as for any flag. */
  @Test
  void refusedFlagsFollowTheSameEnvironmentRules() {
    FlagException both = refused(Map.of("ETCD_ENABLE_V2", "false"), "--enable-v2=false");
    assertTrue(both.getMessage().startsWith("conflicting environment variable \"ETCD_ENABLE_V2\""), both.getMessage());
    assertEquals("default", Flags.parse(new String[0], Map.of("ETCD_ENABLE_V2", "")).name());
  }

  /** Before --help, --version is one of etcd's bool flags, and every flag's value is checked. */
  @Test
  void flagsBeforeHelpAreChecked() {
    assertRefused(
        2,
        "invalid boolean value \"maybe\" for -version: parse error",
        assertThrows(FlagException.class, () -> Flags.helpRequested(new String[] {"--version=maybe", "--help"})));
    assertRefused(
        2,
        "invalid value \"-1\" for flag -max-txn-ops: parse error",
        assertThrows(FlagException.class, () -> Flags.helpRequested(new String[] {"--max-txn-ops=-1", "-h"})));
    assertFalse(Flags.helpRequested(new String[] {"--foo"}), "no help: the error is for the parse to report");
    assertFalse(Flags.helpRequested(new String[] {"--foo", "x", "--help"}));
  }
}
