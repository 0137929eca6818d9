package io.etcdj.server.transport;

import io.etcdj.pki.ClientKeyManager;
import io.etcdj.pki.GoTlsException;
import io.etcdj.pki.TlsFiles;
import io.etcdj.server.tls.TlsInfo;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.URI;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

/**
 * How this member dials its peers: cleartext to {@code http://} peer URLs, TLS to {@code https://}
 * ones with the peer certificate as its client certificate and the peer CA file as its roots (the
 * system's without one), verifying the peer's name against the URL's host — etcd's {@code
 * PeerTLSInfo.ClientConfig}.
 *
 * <p>One setting for the process, made once at start-up before the first dial ({@link #configure}),
 * because peers are dialled from several places that exist before the server does (the join's
 * member fetch, the lease forwarder, the corruption check), and a member has one peer identity.
 */
public final class PeerChannels {
  private static volatile SslContext tls;

  private PeerChannels() {}

  /** Reads the peer TLS files (Go's texts on failure); without a certificate, https:// peers get a default TLS client. */
  public static void configure(TlsInfo info) throws GoTlsException {
    try {
      SslContextBuilder b = GrpcSslContexts.forClient();
      if (!info.empty()) {
        if (info.certFile().isEmpty() || info.keyFile().isEmpty()) {
          throw new GoTlsException(
              "KeyFile and CertFile must both be present[key: " + info.keyFile() + ", cert: " + info.certFile() + "]");
        }
        b.keyManager(new ClientKeyManager(TlsFiles.keyPair(info.certFile(), info.keyFile())));
      }
      if (info.selfCert()) {
        // etcd's selfCert: peers with generated certificates are not verified.
        b.trustManager(io.netty.handler.ssl.util.InsecureTrustManagerFactory.INSTANCE);
      } else if (!info.trustedCaFile().isEmpty()) {
        List<X509Certificate> roots = TlsFiles.caBundle(info.trustedCaFile());
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        for (int i = 0; i < roots.size(); i++) {
          ks.setCertificateEntry("ca-" + i, roots.get(i));
        }
        TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        f.init(ks);
        b.trustManager(f);
      }
      b.protocols("TLSv1.3", "TLSv1.2");
      tls = b.build();
    } catch (SSLException e) {
      throw new GoTlsException(e.getMessage());
    } catch (java.security.GeneralSecurityException | java.io.IOException e) {
      throw new GoTlsException(e.getMessage());
    }
  }

  /** A channel builder for a member's peer URL: cleartext or TLS by its scheme. */
  public static NettyChannelBuilder builder(URI url) {
    if (url.getHost() == null || url.getPort() <= 0 || !("http".equals(url.getScheme()) || "https".equals(url.getScheme()))) {
      throw new IllegalArgumentException("peer URL " + url + ": want http(s)://host:port");
    }
    NettyChannelBuilder b = NettyChannelBuilder.forAddress(url.getHost(), url.getPort());
    if ("http".equals(url.getScheme())) {
      return b.usePlaintext();
    }
    SslContext ctx = tls;
    if (ctx == null) {
      try {
        ctx = GrpcSslContexts.forClient().build();
      } catch (SSLException e) {
        throw new IllegalStateException("no TLS client: " + e.getMessage(), e);
      }
      tls = ctx;
    }
    return b.sslContext(ctx);
  }
}
