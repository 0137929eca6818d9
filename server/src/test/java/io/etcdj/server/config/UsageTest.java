package io.etcdj.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The help text stays true to the parser: every flag listed once, with the default the parser uses. */
class UsageTest {

  /** The shown defaults that are not the parser's default in quotes (etcd prints these forms). */
  private static final Map<String, String> SHOWN_AS =
      Map.of(
          "data-dir", "'${name}.etcd'",
          "initial-cluster", "'default=http://localhost:2380'",
          "max-concurrent-streams", "'math.MaxUint32'");

  @Test
  void everyParsedFlagIsListedWithItsDefault() {
    Map<String, String> listed = new java.util.HashMap<>();
    for (Usage.Section s : Usage.SECTIONS) {
      for (Usage.Entry e : s.entries()) {
        assertEquals(null, listed.put(e.flag(), e.shownDefault()), "--" + e.flag() + " listed twice");
      }
    }
    Set<String> parsed = new HashSet<>();
    for (FlagSpec opt : Flags.options()) {
      String name = opt.name();
      parsed.add(name);
      if (Usage.UNLISTED.contains(name)) {
        assertFalse(listed.containsKey(name), "--" + name + " is one etcd leaves out of its help");
        continue;
      }
      assertTrue(listed.containsKey(name), "--" + name + " is missing from the help");
      String expected = SHOWN_AS.getOrDefault(name, "'" + opt.defaultValue() + "'");
      assertEquals(expected, listed.get(name), "shown default of --" + name);
    }
    for (String refused : UnsupportedFlags.FLAGS.keySet()) {
      parsed.add(refused);
      assertTrue(
          listed.containsKey(refused) || Usage.UNLISTED.contains(refused), "--" + refused + " is missing from the help");
    }
    for (String name : listed.keySet()) {
      assertTrue(parsed.contains(name), "the help lists --" + name + ", which the parser does not know");
    }
  }

  @Test
  void refusedFlagsSayWhatTheyAccept() {
    String flags = Usage.flagLines();
    assertTrue(
        flags.contains(
            "  --enable-v2 'false'\n    Refused by etcdj unless 'false': etcdj serves only the v3 API.\n"),
        flags);
    assertTrue(flags.startsWith("\nMember:\n  --name 'default'\n"), flags);
    assertTrue(flags.endsWith("  --log-package-levels ''\n    Refused by etcdj unless '': capnslog per-package levels"
        + " are not supported; use --log-level.\n\n"), flags);
  }

  @Test
  void printWritesUsageToStderrAndFlagsToStdout() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Usage.print(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("Usage:\n\n  etcd [flags]\n"));
    assertTrue(err.toString(StandardCharsets.UTF_8).endsWith("grpc-proxy' is refused as not a valid flag).\n\n"));
    assertEquals(Usage.flagLines(), out.toString(StandardCharsets.UTF_8));
  }

  /** As Go's flag parser: help wins unless a bad flag comes first; it is not seen after a non-flag or "--". */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "--help|true",
        "-help|true",
        "-h|true",
        "--h|true",
        "--help=false|true",
        "-h=0|true",
        "--name x --help|true",
        "--help --bogus|true",
        "--version --help|true",
        "--strict-reconfig-check --help|true",
        "--pre-vote --help|true",
        "--help --heartbeat-interval abc|true",
        "--name --help|false",
        "foo --help|false",
        "-- --help|false",
        "--name x|false",
      })
  void helpIsFoundAsGoFindsIt(String line, boolean help) {
    assertEquals(help, Flags.helpRequested(line.split(" ")), line);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "--bogus --help|flag provided but not defined: -bogus",
        "--heartbeat-interval abc --help|invalid value \"abc\" for flag -heartbeat-interval: parse error",
        "--strict-reconfig-check=maybe -h|invalid boolean value \"maybe\" for -strict-reconfig-check: parse error",
        "--enable-v2=true --help|--enable-v2=true is not supported by etcdj: etcdj serves only the v3 API",
      })
  void aBadFlagBeforeHelpIsReportedInstead(String line, String message) {
    FlagException e = assertThrows(FlagException.class, () -> Flags.helpRequested(line.split(" ")));
    assertEquals(message, e.getMessage());
    assertEquals(2, e.exitCode());
    assertTrue(e.printsUsage());
  }

  @Test
  void onlyFlagParserErrorsPrintTheUsage() {
    assertFalse(new FlagException("panic: unknown level \"loud\"", 2).printsUsage());
    assertFalse(new FlagException("'foo' is not a valid flag", 1).printsUsage());
  }
}
