package io.etcdj.etcdctl.check;

import io.etcdj.etcdctl.cli.GoQuote;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * check.go's {@code endpointMemoryMetrics}: GET {@code <endpoint>/metrics} and read {@code
 * process_resident_memory_bytes}, printing on stdout why it could not (and returning 0). The GET is
 * a plain HTTP/1.1 exchange over a socket, parsed as Go's net/http parses the response, so a server
 * that does not speak HTTP/1.1 there (etcdj's gRPC-only client port answers with HTTP/2 frames)
 * fails with the same {@code malformed HTTP ...} text as stock etcdctl.
 */
final class MetricsFetch {
  static final String RESIDENT_MEMORY = "process_resident_memory_bytes";
  /** Go's http.Get has no timeout; a stuck server would hang etcdctl. This bounds it generously. */
  static final int READ_TIMEOUT_MILLIS = 60_000;
  static final int BODY_BYTES_MAX = 64 << 20;

  private MetricsFetch() {}

  /** The resident memory in bytes, or 0 after printing why it could not be read. */
  static double residentMemoryBytes(String endpoint, PrintStream out) {
    String host = endpoint;
    if (!host.startsWith("http://") && !host.startsWith("https://")) {
      host = "http://" + host;
    }
    String url = host + "/metrics";
    if (host.startsWith("https://")) {
      out.println("fetch error: reading metrics over https is not supported by this etcdctl yet; use an http:// endpoint");
      return 0.0;
    }
    String body;
    try {
      body = get(host.substring("http://".length()), url);
    } catch (FetchException e) {
      out.println("fetch error: " + e.getMessage());
      return 0.0;
    }
    String value = "";
    for (String line : body.split("\n", -1)) {
      if (line.startsWith(RESIDENT_MEMORY)) {
        value = line.substring(RESIDENT_MEMORY.length()).strip();
        break;
      }
    }
    if (value.isEmpty()) {
      out.println("could not find: " + RESIDENT_MEMORY);
      return 0.0;
    }
    try {
      return Double.parseDouble(value);
    } catch (NumberFormatException e) {
      out.println("parse error: strconv.ParseFloat: parsing " + GoQuote.quote(value) + ": invalid syntax");
      return 0.0;
    }
  }

  private static final class FetchException extends Exception {
    private static final long serialVersionUID = 1L;

    FetchException(String text) {
      super(text, null, false, false);
    }
  }

  private static String get(String hostPort, String url) throws FetchException {
    String authority = hostPort;
    int slash = authority.indexOf('/');
    if (slash >= 0) {
      authority = authority.substring(0, slash);
    }
    int colon = authority.lastIndexOf(':');
    String host = colon < 0 ? authority : authority.substring(0, colon);
    int port = colon < 0 ? 80 : Integer.parseInt(authority.substring(colon + 1));
    String prefix = "Get " + GoQuote.quote(url) + ": ";
    try (Socket s = new Socket()) {
      try {
        s.connect(new InetSocketAddress(host, port));
      } catch (ConnectException e) {
        throw new FetchException(prefix + "dial tcp " + authority + ": connect: connection refused");
      }
      s.setSoTimeout(READ_TIMEOUT_MILLIS);
      OutputStream o = s.getOutputStream();
      o.write(("GET /metrics HTTP/1.1\r\nHost: " + authority + "\r\nUser-Agent: Go-http-client/1.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      o.flush();
      InputStream in = new java.io.BufferedInputStream(s.getInputStream());
      byte[] status = readLine(in);
      if (status == null) {
        throw new FetchException(prefix + "EOF");
      }
      String broken = prefix + "net/http: HTTP/1.x transport connection broken: ";
      String why = statusLineError(status);
      if (why != null) {
        throw new FetchException(broken + why);
      }
      long length = -1;
      boolean chunked = false;
      while (true) {
        byte[] h = readLine(in);
        if (h == null) {
          throw new FetchException(broken + "unexpected EOF");
        }
        if (h.length == 0) {
          break;
        }
        String line = new String(h, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
        if (line.startsWith("content-length:")) {
          length = Long.parseLong(line.substring("content-length:".length()).strip());
        } else if (line.startsWith("transfer-encoding:") && line.contains("chunked")) {
          chunked = true;
        }
      }
      return new String(chunked ? chunkedBody(in, url) : plainBody(in, length, url), StandardCharsets.UTF_8);
    } catch (SocketTimeoutException e) {
      throw new FetchException(prefix + "read timed out after " + READ_TIMEOUT_MILLIS + " ms");
    } catch (IOException | NumberFormatException e) {
      throw new FetchException(prefix + e.getMessage());
    }
  }

  /** http.ReadResponse's status line checks, with badStringError's texts; null when fine. */
  static String statusLineError(byte[] raw) {
    String line = new String(raw, StandardCharsets.ISO_8859_1);
    int sp = line.indexOf(' ');
    if (sp < 0) {
      return "malformed HTTP response " + quoteLatin1(line);
    }
    String proto = line.substring(0, sp);
    String status = line.substring(sp + 1).replaceFirst("^ +", "");
    int sp2 = status.indexOf(' ');
    String code = sp2 < 0 ? status : status.substring(0, sp2);
    if (code.length() != 3 || !code.chars().allMatch(Character::isDigit)) {
      return "malformed HTTP status code " + quoteLatin1(code);
    }
    if (!proto.matches("HTTP/[0-9]\\.[0-9]")) {
      return "malformed HTTP version " + quoteLatin1(proto);
    }
    return null;
  }

  /** %q of a Go string holding these bytes (each char of the Latin-1 text is one byte). */
  private static String quoteLatin1(String s) {
    return GoQuote.quote(s.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** textproto's ReadLine: bytes up to '\n' without "\r\n"; null at EOF before any byte. */
  private static byte[] readLine(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        byte[] line = b.toByteArray();
        int n = line.length;
        if (n > 0 && line[n - 1] == '\r') {
          return java.util.Arrays.copyOf(line, n - 1);
        }
        return line;
      }
      if (b.size() >= BODY_BYTES_MAX) {
        throw new IOException("line too long");
      }
      b.write(c);
    }
    return b.size() == 0 ? null : b.toByteArray();
  }

  private static byte[] plainBody(InputStream in, long length, String url) throws IOException {
    if (length > BODY_BYTES_MAX) {
      throw new IOException("body of " + length + " bytes is too large");
    }
    if (length < 0) {
      return in.readNBytes(BODY_BYTES_MAX);
    }
    byte[] b = in.readNBytes((int) length);
    if (b.length < length) {
      throw new IOException("reading " + url + ": unexpected EOF");
    }
    return b;
  }

  private static byte[] chunkedBody(InputStream in, String url) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      byte[] sizeLine = readLine(in);
      if (sizeLine == null) {
        throw new IOException("reading " + url + ": unexpected EOF");
      }
      String hex = new String(sizeLine, StandardCharsets.US_ASCII);
      int semi = hex.indexOf(';');
      int n = Integer.parseInt((semi < 0 ? hex : hex.substring(0, semi)).strip(), 16);
      if (n == 0) {
        return body.toByteArray();
      }
      if (body.size() + n > BODY_BYTES_MAX) {
        throw new IOException("body is too large");
      }
      body.write(in.readNBytes(n));
      readLine(in);
    }
  }
}
