package io.etcdj.server.tls;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * etcd's {@code transport.SelfCert} for {@code --auto-tls} and {@code --peer-auto-tls}: a
 * self-signed certificate in {@code <data-dir>/fixtures/client} (or {@code peer}), kept across
 * restarts — existing {@code cert.pem} and {@code key.pem} are used as they are. As etcd's: an
 * ECDSA P-521 key, organization "etcd", valid for a year from now, key usages digital signature
 * and key encipherment, extended usage server authentication, and the listen URLs' hosts as its IP
 * or DNS names.
 *
 * <p>The JDK signs but does not build certificates, so the DER is written here (RFC 5280); the key
 * file is PKCS#8 ("PRIVATE KEY"), which etcd reads as well as its own SEC1.
 */
public final class SelfSignedCert {
  private SelfSignedCert() {}

  /** The certificate and key files, made now unless both exist. */
  public record CertFiles(Path cert, Path key) {}

  public static CertFiles ensure(Path dir, List<URI> listenUrls) throws IOException, GeneralSecurityException {
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    if (Files.exists(cert) && Files.exists(key)) {
      return new CertFiles(cert, key);
    }
    Files.createDirectories(dir);
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp521r1"), new SecureRandom());
    KeyPair pair = g.generateKeyPair();
    byte[] der = certificate(pair, listenUrls, ZonedDateTime.now(ZoneOffset.UTC));
    write(cert, pem("CERTIFICATE", der), false);
    write(key, pem("PRIVATE KEY", pair.getPrivate().getEncoded()), true);
    return new CertFiles(cert, key);
  }

  private static void write(Path file, String text, boolean secret) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, text, StandardCharsets.US_ASCII);
    if (secret) {
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException notPosix) {
        // a file system without POSIX permissions keeps its own
      }
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  // OIDs, DER-encoded contents.
  private static final int[] ECDSA_SHA512 = {1, 2, 840, 10045, 4, 3, 4};
  private static final int[] ORGANIZATION = {2, 5, 4, 10};
  private static final int[] KEY_USAGE = {2, 5, 29, 15};
  private static final int[] EXT_KEY_USAGE = {2, 5, 29, 37};
  private static final int[] BASIC_CONSTRAINTS = {2, 5, 29, 19};
  private static final int[] SUBJECT_ALT_NAME = {2, 5, 29, 17};
  private static final int[] SERVER_AUTH = {1, 3, 6, 1, 5, 5, 7, 3, 1};

  static byte[] certificate(KeyPair pair, List<URI> listenUrls, ZonedDateTime now) throws GeneralSecurityException {
    byte[] algorithm = seq(oid(ECDSA_SHA512));
    byte[] name = seq(set(seq(oid(ORGANIZATION), tlv(0x0c, "etcd".getBytes(StandardCharsets.UTF_8)))));
    byte[] validity = seq(utcTime(now), utcTime(now.plusDays(365)));
    List<byte[]> altNames = new ArrayList<>();
    for (URI u : listenUrls) {
      String host = u.getHost();
      if (host == null) {
        continue;
      }
      String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
      if (bare.matches("[0-9.]+") || bare.contains(":")) {
        try {
          altNames.add(tlv(0x87, InetAddress.getByName(bare).getAddress())); // [7] iPAddress
        } catch (java.net.UnknownHostException e) {
          altNames.add(tlv(0x82, bare.getBytes(StandardCharsets.US_ASCII)));
        }
      } else {
        altNames.add(tlv(0x82, bare.getBytes(StandardCharsets.US_ASCII))); // [2] dNSName
      }
    }
    List<byte[]> extensions = new ArrayList<>();
    // keyUsage: digitalSignature (bit 0) and keyEncipherment (bit 2): 0b1010_0000, 5 unused bits.
    extensions.add(seq(oid(KEY_USAGE), tlv(0x01, new byte[] {(byte) 0xff}), octets(tlv(0x03, new byte[] {5, (byte) 0xa0}))));
    extensions.add(seq(oid(EXT_KEY_USAGE), octets(seq(oid(SERVER_AUTH)))));
    extensions.add(seq(oid(BASIC_CONSTRAINTS), tlv(0x01, new byte[] {(byte) 0xff}), octets(seq())));
    if (!altNames.isEmpty()) {
      extensions.add(seq(oid(SUBJECT_ALT_NAME), octets(seq(altNames.toArray(new byte[0][])))));
    }
    byte[] serial = tlv(0x02, new BigInteger(128, new SecureRandom()).toByteArray());
    byte[] tbs =
        seq(
            tlv(0xa0, tlv(0x02, new byte[] {2})), // version v3
            serial,
            algorithm,
            name,
            validity,
            name,
            pair.getPublic().getEncoded(), // SubjectPublicKeyInfo
            tlv(0xa3, seq(extensions.toArray(new byte[0][]))));
    Signature s = Signature.getInstance("SHA512withECDSA");
    s.initSign(pair.getPrivate());
    s.update(tbs);
    byte[] sig = s.sign();
    byte[] bits = new byte[sig.length + 1];
    System.arraycopy(sig, 0, bits, 1, sig.length);
    return seq(tbs, algorithm, tlv(0x03, bits));
  }

  private static byte[] utcTime(ZonedDateTime t) {
    return tlv(0x17, t.format(DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'")).getBytes(StandardCharsets.US_ASCII));
  }

  private static byte[] octets(byte[] content) {
    return tlv(0x04, content);
  }

  private static byte[] oid(int[] arcs) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write(arcs[0] * 40 + arcs[1]);
    for (int i = 2; i < arcs.length; i++) {
      int v = arcs[i];
      int n = 0;
      byte[] tmp = new byte[5];
      do {
        tmp[n++] = (byte) (v & 0x7f);
        v >>>= 7;
      } while (v != 0);
      for (int j = n - 1; j >= 0; j--) {
        b.write(tmp[j] | (j > 0 ? 0x80 : 0));
      }
    }
    return tlv(0x06, b.toByteArray());
  }

  private static byte[] seq(byte[]... parts) {
    return tlv(0x30, concat(parts));
  }

  private static byte[] set(byte[]... parts) {
    return tlv(0x31, concat(parts));
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      b.writeBytes(p);
    }
    return b.toByteArray();
  }

  private static byte[] tlv(int tag, byte[] content) {
    ByteArrayOutputStream b = new ByteArrayOutputStream(content.length + 6);
    b.write(tag);
    int len = content.length;
    if (len < 0x80) {
      b.write(len);
    } else {
      int bytes = len > 0xffffff ? 4 : len > 0xffff ? 3 : len > 0xff ? 2 : 1;
      b.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        b.write(len >>> (8 * i));
      }
    }
    b.writeBytes(content);
    return b.toByteArray();
  }
}
