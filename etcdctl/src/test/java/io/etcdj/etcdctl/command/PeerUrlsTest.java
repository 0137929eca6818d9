package io.etcdj.etcdctl.command;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** clientv3's peer URL check; every expected text is what stock etcdctl 3.4.23 printed for the URL. */
class PeerUrlsTest {

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      nullValues = "OK",
      value = {
        "127.0.0.1:2380|parse \"127.0.0.1:2380\": first path segment in URL cannot contain colon",
        "http://127.0.0.1|URL address does not have the form \"host:port\": http://127.0.0.1",
        "http://127.0.0.1:2380/x|URL must not contain a path: http://127.0.0.1:2380/x",
        "http://a b:1|parse \"http://a b:1\": invalid character \" \" in host name",
        ":foo|parse \":foo\": missing protocol scheme",
        "http://h:%zz|parse \"http://h:%zz\": invalid port \":%zz\" after host",
        "http://h:x|parse \"http://h:x\": invalid port \":x\" after host",
        "mailto:x|URL scheme must be http, https, unix, or unixs: mailto:x",
        "http://[::1]:99|OK",
        "HTTP://h:1|OK",
        "http://h:1?q|OK",
        "http://h:1#f|OK",
        "http://user@h:1|OK",
      })
  void checksAsClientv3(String url, String expected) {
    assertEquals(expected, PeerUrls.check(List.of(url)));
  }

  @org.junit.jupiter.api.Test
  void anEmptyUrlInTheListHasNoScheme() {
    assertEquals("URL scheme must be http, https, unix, or unixs: ", PeerUrls.check(List.of("http://h:9", "")));
    assertEquals(null, PeerUrls.check(List.of(" http://h:9 ", "https://h:1", "unix://x:1")));
  }
}
