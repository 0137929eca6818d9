package io.etcdj.etcdctl.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * The password prompt etcdctl asks with (github.com/bgentry/speakeasy {@code Ask}): the prompt on
 * stdout, echo turned off with {@code stty -echo} and back on with {@code stty echo} around a line
 * read from stdin, then a newline on stdout. When stdin is not a terminal (a pipe, /dev/null, a
 * test's buffer) each stty run fails and says so on stderr, as stock etcdctl's does under a script.
 *
 * <p>Used by the command's thread only.
 */
public final class Speakeasy {
  private Speakeasy() {}

  /** stty's complaint about a stdin that is not a terminal. */
  static final String STTY_NOT_A_TTY = "stty: 'standard input': Inappropriate ioctl for device";

  /** Prints {@code prompt}, reads one line of stdin without echo and returns it without its line end. */
  public static String ask(Io io, String prompt) {
    boolean terminal = System.console() != null && io.in() == System.in;
    io.out().print(prompt);
    io.out().flush();
    if (!terminal) {
      io.err().println(STTY_NOT_A_TTY);
    }
    String line;
    try {
      if (terminal) {
        char[] c = System.console().readPassword();
        line = c == null ? "" : new String(c);
      } else {
        line = readLine(io.in());
      }
    } catch (IOException e) {
      throw new CtlException(ExitCode.ERROR, e.getMessage());
    }
    if (!terminal) {
      io.err().println(STTY_NOT_A_TTY);
    }
    io.out().println();
    return line;
  }

  /** One line of stdin without its newline (and a trailing CR), read byte by byte so nothing past it is consumed. */
  static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0 && c != '\n') {
      b.write(c);
    }
    String s = b.toString(StandardCharsets.UTF_8);
    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
  }
}
