package io.etcdj.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Permission checks as etcd's range_perm_cache: single keys, ranges, from-key grants, merging of
 * adjacent and overlapping grants, and requests that are covered only partly. Grants and requests
 * are written "key" (a single key), "key..end" ([key, end)) and "key..\0" (from key on).
 */
class RangePermissionsTest {
  private static byte[] b(String s) {
    return s.replace("\\0", "\0").getBytes(StandardCharsets.ISO_8859_1);
  }

  private static RangePermissions.Grant grant(String spec) {
    int dots = spec.indexOf("..");
    return dots < 0 ? new RangePermissions.Grant(b(spec), new byte[0]) : new RangePermissions.Grant(b(spec.substring(0, dots)), b(spec.substring(dots + 2)));
  }

  @ParameterizedTest(name = "{0} permits {1}: {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "foo | foo | true",
        "foo | fo | false",
        "foo | foo0 | false",
        "foo | foo..foo\\0 | true", // the range of exactly that key
        "foo | foo..fop | false",
        "a..c | b | true",
        "a..c | c | false",
        "a..c | a..c | true",
        "a..c | a..d | false",
        "a..c | b..\\0 | false",
        "a..c, c..e | a..e | true", // adjacent grants merge
        "a..c, b..f | a..f | true", // overlapping grants merge
        "a..c, d..f | a..f | false", // a gap is not covered
        "a..c, d..f | e | true",
        "k..\\0 | k..\\0 | true",
        "k..\\0 | zzz..zzzz | true",
        "k..\\0 | j | false",
        "k..\\0, a..k | a..\\0 | true",
        "\\0..\\0 | a..\\0 | true", // all keys: key "\0", from key on... and "\0" <= every key but ""
        "'' | a | false",
        "c..a | b | false", // an empty grant grants nothing
      })
  void permits(String grants, String request, boolean expected) {
    List<RangePermissions.Grant> gs = new ArrayList<>();
    for (String g : grants.split(",")) {
      if (!g.isBlank()) {
        gs.add(grant(g.trim()));
      }
    }
    RangePermissions p = RangePermissions.of(gs);
    RangePermissions.Grant r = grant(request.trim());
    assertEquals(expected, p.permits(r.key(), r.end()), p.toString());
  }
}
