package io.etcdj.etcdctl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** pflag's parsing rules and error texts, as etcdctl users meet them. */
class FlagSetTest {

  private static FlagSet flags() {
    FlagSet fs = new FlagSet();
    fs.add(new Flag("prefix", "", Flag.Type.BOOL, "false", "", false));
    fs.add(new Flag("rev", "", Flag.Type.INT64, "0", "", false));
    fs.add(new Flag("write-out", "w", Flag.Type.STRING, "simple", "", false));
    fs.add(new Flag("endpoints", "", Flag.Type.STRING_SLICE, "[127.0.0.1:2379]", "", false));
    fs.add(new Flag("dial-timeout", "", Flag.Type.DURATION, "2s", "", false));
    fs.add(new Flag("keys-only", "k", Flag.Type.BOOL, "false", "", false));
    return fs;
  }

  @Test
  void flagsMayComeAnywhereAndDoubleDashEndsThem() throws FlagException {
    FlagSet fs = flags();
    List<String> pos = fs.parse(List.of("a", "--prefix", "b", "--rev=5", "-w", "json", "--", "--rev", "-x"));
    assertEquals(List.of("a", "b", "--rev", "-x"), pos);
    assertTrue((Boolean) fs.get("prefix").value());
    assertEquals(5L, fs.get("rev").value());
    assertEquals("json", fs.get("write-out").value());
    assertFalse(fs.get("dial-timeout").changed());
  }

  @Test
  void shorthandForms() throws FlagException {
    FlagSet fs = flags();
    fs.parse(List.of("-wjson", "-k"));
    assertEquals("json", fs.get("write-out").value());
    assertTrue((Boolean) fs.get("keys-only").value());
    FlagSet fs2 = flags();
    fs2.parse(List.of("-kw", "fields"));
    assertEquals("fields", fs2.get("write-out").value());
    FlagSet fs3 = flags();
    fs3.parse(List.of("-w=table"));
    assertEquals("table", fs3.get("write-out").value());
  }

  @Test
  void stringSliceReplacesDefaultThenAppends() throws FlagException {
    FlagSet fs = flags();
    fs.parse(List.of("--endpoints", "a:1,b:2", "--endpoints=c:3"));
    assertEquals(List.of("a:1", "b:2", "c:3"), fs.get("endpoints").value());
  }

  @Test
  void boolTakesNoSeparateValue() throws FlagException {
    FlagSet fs = flags();
    List<String> pos = fs.parse(List.of("--prefix", "false"));
    assertEquals(List.of("false"), pos);
    assertTrue((Boolean) fs.get("prefix").value());
    FlagSet fs2 = flags();
    fs2.parse(List.of("--prefix=false"));
    assertFalse((Boolean) fs2.get("prefix").value());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "--nosuch|unknown flag: --nosuch",
        "-x|unknown shorthand flag: 'x' in -x",
        "-kx|unknown shorthand flag: 'x' in -x",
        "--rev|flag needs an argument: --rev",
        "-w|flag needs an argument: 'w' in -w",
        "--rev=abc|invalid argument \"abc\" for \"--rev\" flag: strconv.ParseInt: parsing \"abc\": invalid syntax",
        "--rev=99999999999999999999|invalid argument \"99999999999999999999\" for \"--rev\" flag: strconv.ParseInt: parsing \"99999999999999999999\": value out of range",
        "--prefix=maybe|invalid argument \"maybe\" for \"--prefix\" flag: strconv.ParseBool: parsing \"maybe\": invalid syntax",
        "--dial-timeout=5|invalid argument \"5\" for \"--dial-timeout\" flag: time: missing unit in duration \"5\"",
        "--dial-timeout=xs|invalid argument \"xs\" for \"--dial-timeout\" flag: time: invalid duration \"xs\"",
        "---x|bad flag syntax: ---x",
      })
  void errorsReadAsPflags(String arg, String message) {
    FlagException e = assertThrows(FlagException.class, () -> flags().parse(List.of(arg)));
    assertEquals(message, e.getMessage());
  }

  @Test
  void intsTakeGoBasePrefixes() throws FlagException {
    FlagSet fs = flags();
    fs.parse(List.of("--rev=0x10"));
    assertEquals(16L, fs.get("rev").value());
    FlagSet fs2 = flags();
    fs2.parse(List.of("--rev=010"));
    assertEquals(8L, fs2.get("rev").value());
    FlagSet fs3 = flags();
    fs3.parse(List.of("--rev=-3"));
    assertEquals(-3L, fs3.get("rev").value());
  }
}
