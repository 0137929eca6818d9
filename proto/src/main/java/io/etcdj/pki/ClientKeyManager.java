package io.etcdj.pki;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Offers the one client certificate whenever the server asks for one, whatever issuers it names, as
 * Go's GetClientCertificate does (the JDK's own key managers would hold it back when its issuer is
 * not in the server's list). Only for the key types the JDK asks about that match the key.
 */
public final class ClientKeyManager extends X509ExtendedKeyManager {
  private static final String ALIAS = "client";
  private final TlsFiles.KeyPair pair;

  public ClientKeyManager(TlsFiles.KeyPair pair) {
    this.pair = pair;
  }

  private String alias(String[] keyTypes) {
    String mine = pair.key().getAlgorithm();
    for (String t : keyTypes) {
      if (t.equals(mine) || (t.equals("EdDSA") && mine.equals("Ed25519")) || (t.equals("Ed25519") && mine.equals("EdDSA"))) {
        return ALIAS;
      }
    }
    return null;
  }

  @Override
  public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
    return alias(keyTypes);
  }

  @Override
  public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
    return alias(keyTypes);
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return alias(new String[] {keyType}) == null ? null : new String[] {ALIAS};
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    return ALIAS.equals(alias) ? pair.chain().clone() : null;
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    return ALIAS.equals(alias) ? pair.key() : null;
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return null;
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return null;
  }
}
