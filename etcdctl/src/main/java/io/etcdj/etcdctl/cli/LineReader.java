package io.etcdj.etcdctl.cli;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Go's {@code bufio.NewReader(os.Stdin).ReadString('\n')}, which txn and watch -i read their input
 * with: lines come out of a 4096-byte buffer filled by single reads, so what a later whole-stdin
 * read (txn's {@code put <key>} without a value) sees is what the buffer has not taken yet.
 *
 * <p>Lines are byte strings: one char per input byte (ISO-8859-1), so any byte reaches a key
 * unchanged. Confined to the command's thread.
 */
public final class LineReader {
  /** bufio's defaultBufSize. */
  static final int BUFFER_BYTES = 4096;

  private final InputStream in;
  private final byte[] buf = new byte[BUFFER_BYTES];
  private int start;
  private int end;

  public LineReader(InputStream in) {
    this.in = in;
  }

  /**
   * The next line with its '\n'. Throws {@link EOFException} (Go's io.EOF) when the input ends
   * before a '\n', even after part of a line.
   */
  public String readLine() throws IOException {
    StringBuilder line = new StringBuilder();
    while (true) {
      for (int i = start; i < end; i++) {
        if (buf[i] == '\n') {
          line.append(new String(buf, start, i + 1 - start, StandardCharsets.ISO_8859_1));
          start = i + 1;
          return line.toString();
        }
      }
      line.append(new String(buf, start, end - start, StandardCharsets.ISO_8859_1));
      start = 0;
      end = 0;
      int n = in.read(buf, 0, buf.length);
      if (n < 0) {
        throw new EOFException("EOF");
      }
      end = n;
    }
  }

  /** The input the buffer has not read yet (Go's os.Stdin behind the bufio.Reader). */
  public InputStream unbuffered() {
    return in;
  }

  /** A byte string (one char per byte) as the text it holds, for messages. */
  public static String text(String byteString) {
    return new String(byteString.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
  }

  /** A byte string's bytes. */
  public static byte[] bytes(String byteString) {
    return byteString.getBytes(StandardCharsets.ISO_8859_1);
  }
}
