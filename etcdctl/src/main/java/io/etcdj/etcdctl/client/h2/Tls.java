package io.etcdj.etcdctl.client.h2;

import java.io.IOException;
import java.net.Socket;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * The TLS layer under an HTTP/2 connection, set up as grpc-go's TLS credentials do: SNI with the
 * endpoint's host name (none for an IP address, as Go's crypto/tls), ALPN "h2", and the handshake
 * done before the HTTP/2 preface. Certificate and host checks belong to the context's trust
 * manager, which learns the host from the handshake session.
 */
public final class Tls {
  private Tls() {}

  /**
   * The TLS handshake failed (the cause says how), as opposed to a failure after it: callers tell
   * the two apart as grpc-go does ("authentication handshake failed" or "connection closed").
   */
  public static final class HandshakeException extends IOException {
    private static final long serialVersionUID = 1L;

    HandshakeException(IOException cause) {
      super(cause.getMessage(), cause);
    }
  }

  static SSLSocket handshake(Socket tcp, String host, int port, SSLContext context, int timeoutMs) throws IOException {
    SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(tcp, host, port, true);
    try {
      SSLParameters p = s.getSSLParameters();
      p.setApplicationProtocols(new String[] {"h2"});
      p.setServerNames(serverNames(host));
      s.setSSLParameters(p);
      s.setSoTimeout(timeoutMs);
      s.startHandshake();
      s.setSoTimeout(0);
      return s;
    } catch (IOException e) {
      s.close();
      throw new HandshakeException(e);
    } catch (RuntimeException e) {
      s.close();
      throw e;
    }
  }

  /** Go sends no SNI for an IP address, nor (unlike Go) for a name the JDK will not put in SNI. */
  private static List<javax.net.ssl.SNIServerName> serverNames(String host) {
    if (isIpLiteral(host)) {
      return List.of();
    }
    try {
      return List.of(new SNIHostName(host));
    } catch (IllegalArgumentException e) {
      return List.of();
    }
  }

  static boolean isIpLiteral(String host) {
    return host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
  }
}
