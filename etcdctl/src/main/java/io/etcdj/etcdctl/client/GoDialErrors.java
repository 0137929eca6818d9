package io.etcdj.etcdctl.client;

import io.etcdj.etcdctl.client.tls.GoTlsException;
import java.io.EOFException;
import java.net.ConnectException;
import javax.net.ssl.SSLHandshakeException;

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
    GoTlsException go = find(t, GoTlsException.class);
    if (go != null) {
      return handshakeFailed(go.getMessage());
    }
    if (t instanceof SSLHandshakeException || t instanceof EOFException && t.getMessage() == null) {
      // The peer closed during the handshake: a cleartext server reading a ClientHello.
      return handshakeFailed("EOF");
    }
    // Anything else closed the connection before the server's SETTINGS: an alert after our side of
    // the handshake was done (TLS 1.3 servers refuse a missing client certificate only then), or a
    // TLS server dropping a cleartext preface.
    return "connection closed";
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
