package io.etcdj.server.tls;

import io.etcdj.pki.GoTlsException;
import io.etcdj.pki.TlsFiles;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The server's certificate, re-read when its files change. etcd reads the pair at every handshake
 * ({@code GetCertificate}), so operators rotate certificates by replacing the files; this checks
 * the files' modification times and sizes at each handshake (a stat each, no read) and reads them
 * again only when they changed. A pair that fails to load fails the handshake, as in etcd, and is
 * logged; the next handshake tries again.
 */
final class ReloadingKeyManager extends X509ExtendedKeyManager {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ReloadingKeyManager.class);
  private static final String ALIAS = "etcd";

  private final String certFile;
  private final String keyFile;
  private volatile Loaded loaded;

  private record Loaded(TlsFiles.KeyPair pair, String stamp) {}

  ReloadingKeyManager(String certFile, String keyFile, TlsFiles.KeyPair first) {
    this.certFile = certFile;
    this.keyFile = keyFile;
    this.loaded = new Loaded(first, stamp());
  }

  private String stamp() {
    return stamp(certFile) + "|" + stamp(keyFile);
  }

  private static String stamp(String file) {
    try {
      BasicFileAttributes a = Files.readAttributes(Path.of(file), BasicFileAttributes.class);
      return a.lastModifiedTime().toMillis() + ":" + a.size() + ":" + a.fileKey();
    } catch (IOException e) {
      return "missing";
    }
  }

  /** The pair for this handshake, or null (the handshake fails) when the changed files do not load. */
  private TlsFiles.KeyPair current() {
    Loaded l = loaded;
    String now = stamp();
    if (now.equals(l.stamp())) {
      return l.pair();
    }
    try {
      TlsFiles.KeyPair pair = TlsFiles.keyPair(certFile, keyFile);
      loaded = new Loaded(pair, now);
      LOG.info("reloaded the TLS certificate {} and key {}", certFile, keyFile);
      return pair;
    } catch (GoTlsException e) {
      LOG.warn("failed to create peer certificate (cert-file {}, key-file {}): {}", certFile, keyFile, e.getMessage());
      return null;
    }
  }

  private String alias(String keyType) {
    TlsFiles.KeyPair pair = current();
    if (pair == null) {
      return null;
    }
    String mine = pair.key().getAlgorithm();
    boolean fits =
        keyType.equals(mine)
            || (mine.equals("RSA") && keyType.equals("RSASSA-PSS"))
            || ((mine.equals("EdDSA") || mine.equals("Ed25519")) && (keyType.equals("EdDSA") || keyType.equals("Ed25519")));
    return fits ? ALIAS : null;
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return alias(keyType);
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return alias(keyType);
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    String a = alias(keyType);
    return a == null ? null : new String[] {a};
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    return ALIAS.equals(alias) ? loaded.pair().chain().clone() : null;
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    return ALIAS.equals(alias) ? loaded.pair().key() : null;
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return null;
  }

  @Override
  public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
    return null;
  }
}
