package io.etcdj.server.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;

/** The two line formats, byte for byte where etcd's are fixed. */
class EncodersTest {
  private final LoggerContext context = new LoggerContext();

  private LoggingEvent event(String logger, Level level, String msg, KeyValuePair... pairs) {
    LoggingEvent e = new LoggingEvent("test", context.getLogger(logger), level, msg, null, null);
    e.setTimeStamp(1_796_614_517_123L);
    for (KeyValuePair kv : pairs) {
      e.addKeyValuePair(kv);
    }
    e.setCallerData(new StackTraceElement[] {new StackTraceElement("io.etcdj.server.EtcdServer", "start", "EtcdServer.java", 281)});
    return e;
  }

  @Test
  void zapLineHasEtcdsKeysInOrderAndSkipsCapnslogOnlyText() {
    String line =
        new String(
            new ZapEncoder()
                .encode(
                    event(
                        "io.etcdj.server.EtcdServer",
                        Level.INFO,
                        "published local member to cluster through raft",
                        new KeyValuePair("local-member-id", "8e9e05c52164694d"),
                        new KeyValuePair("urls", List.of("http://a:1", "http://b:2")),
                        new KeyValuePair("count", 3L),
                        new KeyValuePair("ok", true),
                        new KeyValuePair(Capnslog.TEXT, "published {...}"))),
            StandardCharsets.UTF_8);
    assertTrue(
        line.matches(
            "\\{\"level\":\"info\",\"ts\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.123(Z|[+-]\\d{4})\","
                + "\"caller\":\"server/EtcdServer.java:281\",\"msg\":\"published local member to cluster through raft\","
                + "\"local-member-id\":\"8e9e05c52164694d\",\"urls\":\\[\"http://a:1\",\"http://b:2\"\\],\"count\":3,\"ok\":true\\}\n"),
        line);
    assertEquals(
        0,
        new ZapEncoder().encode(event("x.y.Z", Level.INFO, "ready", new KeyValuePair(Capnslog.ONLY, true))).length);
  }

  @Test
  void zapEscapesJson() {
    String line = new String(new ZapEncoder().encode(event("a.B", Level.WARN, "say \"hi\"\n\u0001\\")), StandardCharsets.UTF_8);
    assertTrue(line.contains("\"level\":\"warn\""), line);
    assertTrue(line.contains("\"msg\":\"say \\\"hi\\\"\\n\\u0001\\\\\""), line);
  }

  @Test
  void capnslogLineUsesItsTextLetterAndPackage() {
    String line =
        new String(
            new CapnslogEncoder()
                .encode(
                    event(
                        "io.etcdj.server.embed",
                        Level.INFO,
                        "serving client traffic insecurely; this is strongly discouraged!",
                        new KeyValuePair("address", "127.0.0.1:2379"),
                        new KeyValuePair(Capnslog.TEXT, "serving insecure client requests on 127.0.0.1:2379, this is strongly discouraged!"),
                        new KeyValuePair(Capnslog.LEVEL, Capnslog.NOTICE))),
            StandardCharsets.UTF_8);
    assertTrue(
        line.matches(
            "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.123000 N \\| embed: serving insecure client requests on"
                + " 127.0.0.1:2379, this is strongly discouraged!\n"),
        line);
  }

  @Test
  void capnslogPrintsFieldsOfEtcdjsOwnLinesAndRaftsFormat() {
    String own =
        new String(
            new CapnslogEncoder().encode(event("io.etcdj.server.transport.PeerSender", Level.WARN, "peer down", new KeyValuePair("peer", "abc"))),
            StandardCharsets.UTF_8);
    assertTrue(own.endsWith(" W | rafthttp: peer down (peer=abc)\n"), own);
    String raft = new String(new CapnslogEncoder().encode(event("raft", Level.INFO, "1 became leader at term 2")), StandardCharsets.UTF_8);
    assertTrue(raft.matches("raft\\d{4}/\\d\\d/\\d\\d \\d\\d:\\d\\d:\\d\\d INFO: 1 became leader at term 2\n"), raft);
  }

  @Test
  void capnslogPackagesAreEtcds() {
    assertEquals("etcdmain", Capnslog.pkg("io.etcdj.server.EtcdMain"));
    assertEquals("etcdserver", Capnslog.pkg("io.etcdj.server.RaftLoop"));
    assertEquals("etcdserver/membership", Capnslog.pkg("io.etcdj.server.membership"));
    assertEquals("mvcc", Capnslog.pkg("io.etcdj.storage.mvcc.MvccStore"));
    assertEquals("netty", Capnslog.pkg("io.netty.Foo"));
  }
}
