package io.etcdj.server;

import io.etcdj.pki.GoTlsException;
import io.etcdj.server.config.ServerConfig;
import io.etcdj.server.logging.EtcdEvents;
import io.etcdj.server.tls.ServerTls;
import io.etcdj.server.tls.TlsInfo;
import io.etcdj.server.transport.PeerChannels;
import java.net.URI;

/**
 * The peer side's TLS at start-up, as etcd's {@code configurePeerListeners} and {@code
 * servePeers}: the dialing side is set first (a joining member dials before anything listens),
 * the warnings for http:// peer URLs while peer TLS flags are set, and the listeners' TLS when a
 * peer URL is https://. A file problem stops the start with Go's text.
 */
final class PeerTlsSetup {
  private PeerTlsSetup() {}

  /** The peer side's TLS, with --peer-auto-tls's generated certificate in place when asked for. */
  static TlsInfo peerTls(ServerConfig config) {
    try {
      return config.peerTls().withSelfCert(config.dataDir().resolve("fixtures").resolve("peer"), config.listenPeerUrls());
    } catch (java.io.IOException | java.security.GeneralSecurityException e) {
      throw new StartupException("could not get certs (" + e.getMessage() + ")");
    }
  }

  static void configureDialing(ServerConfig config) {
    TlsInfo info = peerTls(config);
    if (!info.empty()) {
      EtcdEvents.startingWithPeerTls(info.toString(), info.cipherSuites());
    }
    try {
      PeerChannels.configure(info);
    } catch (GoTlsException e) {
      throw new StartupException(e.getMessage());
    }
  }

  /** The listeners' TLS, or null when no listen peer URL is https://. */
  static ServerTls serverTls(ServerConfig config) {
    TlsInfo info = peerTls(config);
    boolean secure = false;
    for (URI u : config.listenPeerUrls()) {
      if (u.getScheme().equals("https")) {
        secure = true;
      } else {
        EtcdEvents.peerUrlIgnoresTls(u.toString(), !info.empty(), info.clientCertAuth());
      }
    }
    if (!secure) {
      return null;
    }
    try {
      return ServerTls.forPeers(info);
    } catch (GoTlsException e) {
      throw new StartupException(e.getMessage());
    }
  }
}
