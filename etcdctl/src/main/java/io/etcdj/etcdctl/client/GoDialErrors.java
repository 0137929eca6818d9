package io.etcdj.etcdctl.client;

import io.etcdj.etcdctl.client.h2.Tls;
import io.etcdj.pki.GoTlsException;
import java.net.ConnectException;

/**
 * Why a connect failed, told as grpc-go 1.26 tells its balancer's latest error (what a passthrough
 * dial's deadline error shows): a refused TCP connect, a failed TLS handshake with crypto/tls's
 * text, or a server that hung up before speaking HTTP/2: a TLS server after the handshake (it wanted
 * a client certificate) or on a cleartext preface. grpc-go's text for the last case depends on
 * timing ("connection closed" or "write tcp A->B: use of closed network connection"); this says
 * the first.
 */
public final class GoDialErrors {
  private GoDialErrors() {}

  public static String describe(String hostPort, Throwable t) {
    if (t instanceof ConnectException) {
      return "connection error: desc = \"transport: Error while dialing dial tcp " + hostPort + ": connect: connection refused\"";
    }
    if (t instanceof Tls.HandshakeException) {
      GoTlsException go = find(t, GoTlsException.class);
      return handshakeFailed(go != null ? go.getMessage() : handshakeCause(t.getCause()));
    }
    // Anything else closed the connection before the server's SETTINGS: an alert after our side of
    // the handshake was done (TLS 1.3 servers refuse a missing client certificate only then), or a
    // TLS server dropping a cleartext preface.
    return "connection closed";
  }

  /**
   * crypto/tls's text for a handshake the server broke off: a hang-up is "EOF", an alert is
   * "remote error: tls: <alert>" (Go's alert names are the TLS names with spaces).
   */
  private static String handshakeCause(Throwable t) {
    String m = t == null || t.getMessage() == null ? "" : t.getMessage();
    String alert = "Received fatal alert: ";
    int i = m.indexOf(alert);
    if (i >= 0) {
      String name = m.substring(i + alert.length()).strip();
      switch (name) {
        case "protocol_version":
          return "remote error: tls: protocol version not supported";
        case "unknown_ca":
          return "remote error: tls: unknown certificate authority";
        case "certificate_required":
          return "remote error: tls: certificate required";
        default:
          return "remote error: tls: " + name.replace('_', ' ');
      }
    }
    return "EOF";
  }

  private static String handshakeFailed(String text) {
    return "connection error: desc = \"transport: authentication handshake failed: " + text.replace("\"", "\\\"") + "\"";
  }

  private static <T extends Throwable> T find(Throwable t, Class<T> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return type.cast(c);
      }
    }
    return null;
  }
}
