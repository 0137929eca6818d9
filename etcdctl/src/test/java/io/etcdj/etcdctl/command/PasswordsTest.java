package io.etcdj.etcdctl.command;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code user add/passwd --interactive=false}: the word Go's fmt.Scanf("%s") reads from stdin. */
class PasswordsTest {

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "pw|pw",
        "pw\\n|pw",
        "  pw1 pw2\\n|pw1",
        "\\tpw\\tx|pw",
        "\\npw|",
        "\\r\\npw|",
        "|",
        "   |",
        "a\\rb|a",
        "héllo wörld|héllo",
        "pw\\u00a0x|pw",
        "pw\\u3000x|pw",
      })
  void scanfWord(String input, String expected) {
    String in = input == null ? "" : input.replace("\\n", "\n").replace("\\r", "\r").replace("\\t", "\t");
    in = in.replace("\\u00a0", "\u00a0").replace("\\u3000", "\u3000");
    assertEquals(expected == null ? "" : expected, Passwords.scanWord(new ByteArrayInputStream(in.getBytes(StandardCharsets.UTF_8))));
  }

  @ParameterizedTest
  @CsvSource({"ff, \ufffd", "c3, \ufffd", "c328, \ufffd(", "e282ac, \u20ac", "eda080, \ufffd\ufffd\ufffd"})
  void invalidUtf8ReadsAsReplacementRunes(String hex, String expected) {
    byte[] b = java.util.HexFormat.of().parseHex(hex);
    assertEquals(expected, Passwords.scanWord(new ByteArrayInputStream(b)));
  }
}
