package io.etcdj.pki;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAKey;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads etcdctl's TLS files as pkg/tlsutil and crypto/tls do, failing with Go's texts: a client
 * certificate chain and its key (tls.X509KeyPair) and a CA bundle (tlsutil.NewCertPool).
 */
public final class TlsFiles {
  private TlsFiles() {}

  /** A client certificate: the chain as the PEM file lists it, leaf first, and its key. */
  public record KeyPair(X509Certificate[] chain, PrivateKey key) {}

  /** ioutil.ReadFile with os.PathError's text. */
  static byte[] read(String file) throws GoTlsException {
    try {
      return Files.readAllBytes(Path.of(file));
    } catch (NoSuchFileException e) {
      throw new GoTlsException("open " + file + ": no such file or directory");
    } catch (AccessDeniedException e) {
      throw new GoTlsException("open " + file + ": permission denied");
    } catch (IOException e) {
      if (Files.isDirectory(Path.of(file))) {
        throw new GoTlsException("read " + file + ": is a directory");
      }
      throw new GoTlsException("open " + file + ": " + e.getMessage());
    }
  }

  /** tlsutil.NewCert: both files read first, then crypto/tls's X509KeyPair. */
  public static KeyPair keyPair(String certFile, String keyFile) throws GoTlsException {
    byte[] certPem = read(certFile);
    byte[] keyPem = read(keyFile);
    return keyPair(certPem, keyPem);
  }

  static KeyPair keyPair(byte[] certPem, byte[] keyPem) throws GoTlsException {
    List<byte[]> certs = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    for (Pem.Block b : Pem.decodeAll(certPem)) {
      if (b.type().equals("CERTIFICATE")) {
        certs.add(b.bytes());
      } else {
        skipped.add(b.type());
      }
    }
    if (certs.isEmpty()) {
      if (skipped.isEmpty()) {
        throw new GoTlsException("tls: failed to find any PEM data in certificate input");
      }
      if (skipped.size() == 1 && skipped.get(0).endsWith("PRIVATE KEY")) {
        throw new GoTlsException(
            "tls: failed to find certificate PEM data in certificate input, but did find a private key; PEM inputs may have been switched");
      }
      throw new GoTlsException(
          "tls: failed to find \"CERTIFICATE\" PEM block in certificate input after skipping PEM blocks of the following types: "
              + goList(skipped));
    }
    Pem.Block keyBlock = keyBlock(keyPem);
    X509Certificate leaf = X509.parse(certs.get(0));
    PrivateKey key = PrivateKeys.parse(keyBlock.bytes());
    matches(leaf, key);
    X509Certificate[] chain = new X509Certificate[certs.size()];
    chain[0] = leaf;
    for (int i = 1; i < chain.length; i++) {
      // Go sends the rest of the chain unparsed; the JDK needs it parsed.
      chain[i] = X509.parse(certs.get(i));
    }
    return new KeyPair(chain, key);
  }

  private static Pem.Block keyBlock(byte[] keyPem) throws GoTlsException {
    List<String> skipped = new ArrayList<>();
    for (Pem.Block b : Pem.decodeAll(keyPem)) {
      if (b.type().equals("PRIVATE KEY") || b.type().endsWith(" PRIVATE KEY")) {
        return b;
      }
      skipped.add(b.type());
    }
    if (skipped.isEmpty()) {
      throw new GoTlsException("tls: failed to find any PEM data in key input");
    }
    if (skipped.size() == 1 && skipped.get(0).equals("CERTIFICATE")) {
      throw new GoTlsException("tls: found a certificate rather than a key in the PEM for the private key");
    }
    throw new GoTlsException(
        "tls: failed to find PEM block with type ending in \"PRIVATE KEY\" in key input after skipping PEM blocks of the following types: "
            + goList(skipped));
  }

  /** The key must be the certificate's: same kind, and (RSA) the same modulus or (EC, Ed25519) a signature that verifies. */
  private static void matches(X509Certificate leaf, PrivateKey key) throws GoTlsException {
    String pub = kind(leaf.getPublicKey().getAlgorithm());
    if (pub == null) {
      throw new GoTlsException("tls: unknown public key algorithm");
    }
    if (!pub.equals(kind(key.getAlgorithm()))) {
      throw new GoTlsException("tls: private key type does not match public key type");
    }
    boolean same;
    if (pub.equals("RSA")) {
      same = ((RSAKey) leaf.getPublicKey()).getModulus().equals(((RSAKey) key).getModulus());
    } else {
      same = signs(leaf, key, pub.equals("EC") ? "SHA256withECDSA" : "Ed25519");
    }
    if (!same) {
      throw new GoTlsException("tls: private key does not match public key");
    }
  }

  private static String kind(String algorithm) {
    switch (algorithm) {
      case "RSA":
        return "RSA";
      case "EC":
        return "EC";
      case "Ed25519":
      case "EdDSA":
        return "Ed25519";
      default:
        return null;
    }
  }

  private static boolean signs(X509Certificate leaf, PrivateKey key, String algorithm) {
    try {
      byte[] probe = "etcdctl key pair check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      Signature s = Signature.getInstance(algorithm);
      s.initSign(key);
      s.update(probe);
      byte[] sig = s.sign();
      Signature v = Signature.getInstance(algorithm);
      v.initVerify(leaf.getPublicKey());
      v.update(probe);
      return v.verify(sig);
    } catch (java.security.GeneralSecurityException e) {
      return false;
    }
  }

  /** tlsutil.NewCertPool over one file: every PEM block must be a certificate, whatever its type. */
  public static List<X509Certificate> caBundle(String file) throws GoTlsException {
    List<X509Certificate> pool = new ArrayList<>();
    for (Pem.Block b : Pem.decodeAll(read(file))) {
      pool.add(X509.parse(b.bytes()));
    }
    return pool;
  }

  /** fmt's %v of a []string. */
  private static String goList(List<String> l) {
    return "[" + String.join(" ", l) + "]";
  }
}
