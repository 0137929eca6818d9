package io.etcdj.etcdctl.command;

import io.etcdj.etcdctl.cli.CtlException;
import io.etcdj.etcdctl.cli.ExitCode;
import io.etcdj.etcdctl.cli.Io;
import io.etcdj.etcdctl.cli.Speakeasy;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;

/**
 * How {@code user add} and {@code user passwd} read a new password (ctlv3 user_command.go): asked
 * twice with speakeasy ({@code --interactive}, the default), or the first word of stdin as Go's
 * {@code fmt.Scanf("%s")} reads it ({@code --interactive=false}).
 *
 * <p>Used by the command's thread.
 */
final class Passwords {
  private Passwords() {}

  /** readPasswordInteractive: two prompts that must agree on a non-empty password. */
  static String interactive(Io io, String user) {
    String first = Speakeasy.ask(io, "Password of " + user + ": ");
    if (first.isEmpty()) {
      throw new CtlException(ExitCode.BAD_ARGS, "empty password");
    }
    String second = Speakeasy.ask(io, "Type password of " + user + " again for confirmation: ");
    if (!first.equals(second)) {
      throw new CtlException(ExitCode.BAD_ARGS, "given passwords are different");
    }
    return first;
  }

  /**
   * {@code fmt.Scanf("%s", &password)}, whose error etcdctl ignores: spaces are skipped, but a
   * newline before the word is an error (the password stays empty), as is end of input; the word
   * ends at the next space (Go's fmt space set). Invalid UTF-8 reads as U+FFFD, byte by byte.
   */
  static String scanWord(InputStream stdin) {
    try {
      PushbackInputStream in = new PushbackInputStream(stdin, 4);
      int r;
      while (true) {
        r = readRune(in);
        if (r < 0) {
          return "";
        }
        if (r == '\r') {
          int next = in.read();
          if (next == '\n') {
            return "";
          }
          if (next >= 0) {
            in.unread(next);
          }
          continue;
        }
        if (r == '\n') {
          return "";
        }
        if (!isGoSpace(r)) {
          break;
        }
      }
      StringBuilder word = new StringBuilder();
      while (r >= 0 && !isGoSpace(r)) {
        word.appendCodePoint(r);
        r = readRune(in);
      }
      return word.toString();
    } catch (IOException e) {
      return "";
    }
  }

  /** fmt's isSpace table. */
  static boolean isGoSpace(int r) {
    return (r >= 0x09 && r <= 0x0d)
        || r == 0x20
        || r == 0x85
        || r == 0xa0
        || r == 0x1680
        || (r >= 0x2000 && r <= 0x200a)
        || r == 0x2028
        || r == 0x2029
        || r == 0x202f
        || r == 0x205f
        || r == 0x3000;
  }

  /** One UTF-8 rune, or U+FFFD for a byte that does not start a valid one (the rest is read again), or -1 at EOF. */
  private static int readRune(PushbackInputStream in) throws IOException {
    int b0 = in.read();
    if (b0 < 0x80) {
      return b0;
    }
    int len;
    int min;
    int cp;
    if (b0 >= 0xc2 && b0 <= 0xdf) {
      len = 2;
      min = 0x80;
      cp = b0 & 0x1f;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      len = 3;
      min = 0x800;
      cp = b0 & 0x0f;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      len = 4;
      min = 0x10000;
      cp = b0 & 0x07;
    } else {
      return 0xfffd;
    }
    byte[] tail = new byte[len - 1];
    int n = 0;
    while (n < tail.length) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      tail[n++] = (byte) b;
      if ((b & 0xc0) != 0x80) {
        break;
      }
      cp = (cp << 6) | (b & 0x3f);
    }
    boolean valid = n == tail.length && (tail[n - 1] & 0xc0) == 0x80 && cp >= min && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff);
    if (!valid) {
      in.unread(tail, 0, n);
      return 0xfffd;
    }
    return cp;
  }
}
