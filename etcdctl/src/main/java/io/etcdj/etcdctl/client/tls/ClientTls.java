package io.etcdj.etcdctl.client.tls;

import io.etcdj.pki.ClientKeyManager;
import io.etcdj.pki.GoTlsException;
import io.etcdj.pki.GoTrustManager;
import io.etcdj.pki.TlsFiles;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * etcdctl's TLS decision (ctlv3 newClientCfg, pkg/transport TLSInfo.ClientConfig) and clientv3's
 * per-scheme choice of credentials (Client.processCreds).
 *
 * <p>etcdctl makes a TLS config when any of {@code --cert}, {@code --key}, {@code --cacert} is given
 * (then cert and key must come together, and the files are read at once, so their errors end the
 * command before any dial), or an empty one when {@code --insecure-transport=false};
 * {@code --insecure-skip-tls-verify} applies to that config only. clientv3 then picks by the
 * endpoint's scheme: {@code http://} is always cleartext, {@code https://} uses that config or, if
 * there is none, a default one (system roots, full verification), and an endpoint without a scheme
 * uses the config if there is one.
 */
public final class ClientTls {
  /** clientv3's c.creds: null when etcdctl set no TLS config. */
  private final SSLContext configured;
  /** The https:// default, made on first use. */
  private SSLContext httpsDefault;

  private ClientTls(SSLContext configured) {
    this.configured = configured;
  }

  /** Builds etcdctl's TLS config from its flags; the exception's text is Go's. */
  public static ClientTls of(String cert, String key, String cacert, boolean insecureTransport, boolean skipVerify)
      throws GoTlsException {
    boolean files = !cert.isEmpty() || !key.isEmpty() || !cacert.isEmpty();
    if (!files && insecureTransport) {
      return new ClientTls(null);
    }
    TlsFiles.KeyPair pair = null;
    if (!cert.isEmpty() || !key.isEmpty()) {
      if (cert.isEmpty() || key.isEmpty()) {
        throw new GoTlsException("KeyFile and CertFile must both be present[key: " + key + ", cert: " + cert + "]");
      }
      pair = TlsFiles.keyPair(cert, key);
    }
    List<X509Certificate> roots = cacert.isEmpty() ? null : TlsFiles.caBundle(cacert);
    GoTrustManager trust = skipVerify ? GoTrustManager.skipVerify() : verifying(roots);
    return new ClientTls(context(pair == null ? null : new ClientKeyManager(pair), trust));
  }

  /** The TLS for an endpoint with this scheme ("" when it has none); null = cleartext. */
  public synchronized SSLContext forScheme(String scheme) {
    switch (scheme) {
      case "":
      case "unix":
        return configured;
      case "https":
      case "unixs":
        if (configured != null) {
          return configured;
        }
        if (httpsDefault == null) {
          try {
            httpsDefault = context(null, verifying(null));
          } catch (GoTlsException e) {
            throw new IllegalStateException("the JDK's default trust store is unusable", e);
          }
        }
        return httpsDefault;
      default:
        return null;
    }
  }

  /** A verifying trust manager over these roots, or over the JDK's trust store when null. */
  private static GoTrustManager verifying(List<X509Certificate> roots) throws GoTlsException {
    if (roots != null && roots.isEmpty()) {
      return GoTrustManager.verifying(null);
    }
    try {
      KeyStore store = null;
      if (roots != null) {
        store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        for (int i = 0; i < roots.size(); i++) {
          store.setCertificateEntry("ca-" + i, roots.get(i));
        }
      }
      TrustManagerFactory f = TrustManagerFactory.getInstance("PKIX");
      f.init(store);
      for (TrustManager tm : f.getTrustManagers()) {
        if (tm instanceof X509TrustManager x) {
          return GoTrustManager.verifying(x);
        }
      }
      throw new GoTlsException("x509: no trust manager");
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new GoTlsException("x509: " + e.getMessage());
    }
  }

  private static SSLContext context(KeyManager km, TrustManager tm) throws GoTlsException {
    try {
      SSLContext c = SSLContext.getInstance("TLS");
      c.init(km == null ? null : new KeyManager[] {km}, new TrustManager[] {tm}, null);
      return c;
    } catch (GeneralSecurityException e) {
      throw new GoTlsException("tls: " + e.getMessage());
    }
  }
}
