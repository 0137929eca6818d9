package io.etcdj.server.tls;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code --cipher-suites}: Go's cipher suite names (crypto/tls's secure and insecure lists, and
 * the two CHACHA20 spellings etcd's tlsutil adds) mapped to the JDK's. As in Go, the list picks
 * the TLS 1.2 suites only: TLS 1.3's are always on and a TLS 1.3 name in the list is accepted and
 * changes nothing.
 */
final class CipherSuites {
  private CipherSuites() {}

  /** Go's name → the JDK's (the IANA name; a few have an older JDK alias). */
  private static final Map<String, String> GO_TO_JDK = new LinkedHashMap<>();

  /** TLS 1.3 suites: Go accepts their names and ignores them. */
  private static final Set<String> TLS13 =
      Set.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");

  static {
    for (String s :
        List.of(
            "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
            "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
            "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_RSA_WITH_RC4_128_SHA",
            "TLS_RSA_WITH_AES_128_CBC_SHA",
            "TLS_RSA_WITH_AES_256_CBC_SHA",
            "TLS_RSA_WITH_AES_128_CBC_SHA256",
            "TLS_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
            "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
            "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256")) {
      GO_TO_JDK.put(s, s);
    }
    GO_TO_JDK.put("TLS_RSA_WITH_3DES_EDE_CBC_SHA", "SSL_RSA_WITH_3DES_EDE_CBC_SHA");
    GO_TO_JDK.put("TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA");
    GO_TO_JDK.put("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
    GO_TO_JDK.put("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");
  }

  /**
   * etcd's {@code tlsutil.GetCipherSuites}: every name must be Go's ("unexpected TLS cipher suite
   * %q"). Checked while the flags are read, before anything starts.
   */
  static void check(List<String> goNames) {
    for (String s : goNames) {
      if (!GO_TO_JDK.containsKey(s) && !TLS13.contains(s)) {
        throw new IllegalArgumentException("unexpected TLS cipher suite \"" + s + "\"");
      }
    }
  }

  /**
   * The JDK suites to enable for {@code goNames}: the TLS 1.2 ones in the given order, then every
   * TLS 1.3 suite the JDK enables. A suite Go knows that this JDK cannot use (RC4 and 3DES are
   * disabled by the JDK's security policy) is refused: serving without it would quietly differ
   * from what the operator asked for.
   */
  static String[] enabled(List<String> goNames, String[] supported, String[] defaults) {
    check(goNames);
    List<String> supportedList = Arrays.asList(supported);
    List<String> defaultList = Arrays.asList(defaults);
    List<String> out = new ArrayList<>();
    for (String s : goNames) {
      if (TLS13.contains(s)) {
        continue;
      }
      String jdk = GO_TO_JDK.get(s);
      if (!supportedList.contains(jdk) || !defaultList.contains(jdk)) {
        throw new IllegalArgumentException(
            "TLS cipher suite \"" + s + "\" is not available in this Java runtime (its security policy disables it)");
      }
      if (!out.contains(jdk)) {
        out.add(jdk);
      }
    }
    for (String s : defaults) {
      if (TLS13.contains(s)) {
        out.add(s);
      }
    }
    return out.toArray(new String[0]);
  }
}
