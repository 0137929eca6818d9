package io.etcdj.server.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.etcdj.api.etcdserverpb.Member;
import org.junit.jupiter.api.Test;

/** The members bucket's values, as etcd 3.4.23 writes them (membership/store.go, encoding/json). */
class EtcdBackendFileTest {

  @Test
  void memberJsonIsEtcds() {
    // A value from a snapshot saved by stock etcdctl from etcd 3.4.23.
    Member m =
        Member.newBuilder()
            .setID(Long.parseUnsignedLong("13668033151171901709"))
            .setName("probe")
            .addPeerURLs("http://127.0.0.1:23801")
            .addClientURLs("http://127.0.0.1:23791")
            .build();
    assertEquals(
        "{\"id\":13668033151171901709,\"peerURLs\":[\"http://127.0.0.1:23801\"],\"name\":\"probe\",\"clientURLs\":[\"http://127.0.0.1:23791\"]}",
        EtcdBackendFile.memberJson(m));
    assertEquals("bdae9bbc11dd390d", EtcdBackendFile.hexId(m.getID()));
  }

  @Test
  void unpublishedLearnerOmitsNameAndClientUrls() {
    Member m = Member.newBuilder().setID(1).setIsLearner(true).addPeerURLs("http://a:2380").build();
    assertEquals("{\"id\":1,\"peerURLs\":[\"http://a:2380\"],\"isLearner\":true}", EtcdBackendFile.memberJson(m));
  }

  @Test
  void stringsAreEscapedAsGoDoes() {
    StringBuilder b = new StringBuilder();
    EtcdBackendFile.string(b, "a<b>&\"\\\n\u0001é");
    assertEquals("\"a\\u003cb\\u003e\\u0026\\\"\\\\\\n\\u0001é\"", b.toString());
  }
}
