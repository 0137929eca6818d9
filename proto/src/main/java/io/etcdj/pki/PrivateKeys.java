package io.etcdj.pki;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;

/**
 * crypto/tls's parsePrivateKey: the DER is tried as PKCS#1 (RSA), then PKCS#8 (RSA, EC, Ed25519),
 * then SEC1 (EC), whatever the PEM type said. The JDK reads only PKCS#8, so PKCS#1 and SEC1 keys are
 * wrapped into a PKCS#8 PrivateKeyInfo (RFC 5208) with the algorithm identifier they imply.
 */
final class PrivateKeys {
  /** 1.2.840.113549.1.1.1 rsaEncryption. */
  private static final byte[] RSA_ENCRYPTION = {0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01};
  /** 1.2.840.10045.2.1 id-ecPublicKey. */
  private static final byte[] EC_PUBLIC_KEY = {0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};
  /** 1.3.101.112 id-Ed25519. */
  private static final byte[] ED25519 = {0x2b, 0x65, 0x70};

  private PrivateKeys() {}

  /** The key, or a {@link GoTlsException} with Go's text. */
  static PrivateKey parse(byte[] der) throws GoTlsException {
    PrivateKey k = pkcs1(der);
    if (k == null) {
      k = pkcs8(der);
    }
    if (k == null) {
      k = sec1(der);
    }
    if (k == null) {
      throw new GoTlsException("tls: failed to parse private key");
    }
    return k;
  }

  /** RSAPrivateKey (RFC 8017 A.1.2): a SEQUENCE that starts with two INTEGERs (version, modulus). */
  static PrivateKey pkcs1(byte[] der) {
    Der.Tlv seq = whole(der);
    if (seq == null) {
      return null;
    }
    Der.Tlv version = Der.read(der, seq.contentStart(), seq.contentEnd());
    if (version == null || version.tag() != Der.INTEGER) {
      return null;
    }
    Der.Tlv modulus = Der.read(der, version.end(), seq.contentEnd());
    if (modulus == null || modulus.tag() != Der.INTEGER) {
      return null;
    }
    return generate("RSA", pkcs8Info(algorithm(RSA_ENCRYPTION, Der.tlv(Der.NULL)), der));
  }

  /** PrivateKeyInfo: SEQUENCE { INTEGER 0, AlgorithmIdentifier, OCTET STRING }. */
  static PrivateKey pkcs8(byte[] der) {
    Der.Tlv seq = whole(der);
    if (seq == null) {
      return null;
    }
    Der.Tlv version = Der.read(der, seq.contentStart(), seq.contentEnd());
    if (version == null || version.tag() != Der.INTEGER) {
      return null;
    }
    Der.Tlv alg = Der.read(der, version.end(), seq.contentEnd());
    if (alg == null || alg.tag() != Der.SEQUENCE) {
      return null;
    }
    Der.Tlv oid = Der.read(der, alg.contentStart(), alg.contentEnd());
    if (oid == null || oid.tag() != Der.OID) {
      return null;
    }
    byte[] o = oid.content();
    String kind = java.util.Arrays.equals(o, RSA_ENCRYPTION) ? "RSA"
        : java.util.Arrays.equals(o, EC_PUBLIC_KEY) ? "EC"
        : java.util.Arrays.equals(o, ED25519) ? "Ed25519" : null;
    return kind == null ? null : generate(kind, der);
  }

  /** ECPrivateKey (RFC 5915): SEQUENCE { INTEGER 1, OCTET STRING, [0] namedCurve, [1] publicKey }. */
  static PrivateKey sec1(byte[] der) {
    Der.Tlv seq = whole(der);
    if (seq == null) {
      return null;
    }
    Der.Tlv version = Der.read(der, seq.contentStart(), seq.contentEnd());
    if (version == null || version.tag() != Der.INTEGER) {
      return null;
    }
    Der.Tlv key = Der.read(der, version.end(), seq.contentEnd());
    if (key == null || key.tag() != Der.OCTET_STRING) {
      return null;
    }
    Der.Tlv params = Der.read(der, key.end(), seq.contentEnd());
    if (params == null || params.tag() != Der.CONTEXT_0) {
      return null; // Go's parser needs the named curve too ("x509: unknown elliptic curve")
    }
    Der.Tlv curve = Der.read(der, params.contentStart(), params.contentEnd());
    if (curve == null || curve.tag() != Der.OID) {
      return null;
    }
    byte[] curveOid = Der.tlv(Der.OID, curve.content());
    return generate("EC", pkcs8Info(algorithm(EC_PUBLIC_KEY, curveOid), der));
  }

  /** The element spanning all of {@code der}, if it is a SEQUENCE. */
  private static Der.Tlv whole(byte[] der) {
    Der.Tlv seq = Der.read(der, 0, der.length);
    return seq != null && seq.tag() == Der.SEQUENCE && seq.end() == der.length ? seq : null;
  }

  private static byte[] algorithm(byte[] oid, byte[] parameters) {
    return Der.tlv(Der.SEQUENCE, Der.tlv(Der.OID, oid), parameters);
  }

  static byte[] pkcs8Info(byte[] algorithmIdentifier, byte[] key) {
    return Der.tlv(Der.SEQUENCE, Der.tlv(Der.INTEGER, new byte[] {0}), algorithmIdentifier, Der.tlv(Der.OCTET_STRING, key));
  }

  private static PrivateKey generate(String algorithm, byte[] pkcs8) {
    try {
      return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    } catch (GeneralSecurityException | RuntimeException e) {
      return null;
    }
  }
}
