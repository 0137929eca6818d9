package io.etcdj.etcdctl.check;

import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The progress bar of gopkg.in/cheggaaa/pb.v1 (v1.0.25) with etcdctl's format "Bom !": every 200
 * ms, "\r" then " current / total ", the bar when the terminal is wide enough, the percentage as
 * %6.02f%%, and the estimated time left (00m59s); finishing prints the final state with the time
 * taken (1m0s) and a newline. Like pb it writes to stdout and takes its width from the terminal: a
 * width of 0 (no terminal, as in a pipe or a test) leaves the bar out.
 *
 * <p>Thread-safe: {@link #add} from any thread; a daemon thread refreshes until {@link #finish}.
 */
final class ProgressBar {
  static final long REFRESH_NANOS = 200_000_000L;
  private static final String START = "B";
  private static final String CURRENT = "o";
  private static final String CURRENT_N = "m";
  private static final String EMPTY = " ";
  private static final String END = "!";

  private final PrintStream out;
  private final long total;
  private final int width;
  private long current;
  private long previous;
  private long startNanos;
  private long changeNanos;
  private boolean finished;
  private Thread refresher;

  ProgressBar(PrintStream out, long total, int width) {
    this.out = out;
    this.total = total;
    this.width = width;
  }

  synchronized void start() {
    startNanos = System.nanoTime();
    changeNanos = startNanos;
    update();
    refresher = new Thread(this::refresh, "etcdctl-progress");
    refresher.setDaemon(true);
    refresher.start();
  }

  synchronized void add(long n) {
    current += n;
  }

  /** Prints the final state and a newline; later calls do nothing. */
  void finish() {
    synchronized (this) {
      if (finished) {
        return;
      }
      finished = true;
      out.print("\r" + render(System.nanoTime(), true));
      out.println();
      out.flush();
    }
    refresher.interrupt();
  }

  private void refresh() {
    try {
      while (true) {
        Thread.sleep(REFRESH_NANOS / 1_000_000);
        synchronized (this) {
          if (finished) {
            return;
          }
          update();
        }
      }
    } catch (InterruptedException e) {
      // finish() stops the refresher.
    }
  }

  private void update() {
    long now = System.nanoTime();
    if (current != previous) {
      changeNanos = now;
      previous = current;
    }
    out.print("\r" + render(now, false));
    out.flush();
  }

  /** pb's write(): the line for the current state. */
  String render(long nowNanos, boolean done) {
    String percent = " " + String.format(java.util.Locale.ROOT, "%6s", fixed(current / (total / 100.0), 2)) + "%";
    String counters = " " + current + " / " + total + " ";
    String timeLeft = "";
    if (done) {
      timeLeft = " " + goDuration((nowNanos - startNanos) / 1_000_000_000L);
    } else if (current > 0) {
      long perEntry = (changeNanos - startNanos) / current;
      long left = (total - current) * perEntry - (nowNanos - changeNanos);
      left = left / 1_000_000_000L;
      if (left > 0) {
        timeLeft = " " + String.format(java.util.Locale.ROOT, "%02dm%02ds", left / 60, left % 60);
      }
    }
    String bar = "";
    int size = width - (counters + START + END + percent + timeLeft).length();
    if (size > 0) {
      int cur = (int) Math.ceil((double) current / total * size);
      int empty = Math.max(0, size - cur);
      cur = Math.min(cur, size);
      StringBuilder b = new StringBuilder(START);
      if (empty <= 0) {
        b.append(CURRENT.repeat(cur));
      } else if (cur > 0) {
        b.append(CURRENT.repeat(Math.max(0, cur - 1))).append(CURRENT_N);
      }
      b.append(EMPTY.repeat(empty)).append(END);
      bar = b.toString();
    }
    String line = counters + bar + percent + timeLeft;
    if (line.length() < width) {
      line += " ".repeat(width - line.length());
    }
    return line;
  }

  /** Go's %.Nf: the exact binary value rounded half to even. */
  private static String fixed(double v, int digits) {
    return new BigDecimal(v).setScale(digits, RoundingMode.HALF_EVEN).toPlainString();
  }

  /** Go's time.Duration.String() for whole seconds: "0s", "59s", "1m0s", "1h0m0s". */
  static String goDuration(long seconds) {
    if (seconds == 0) {
      return "0s";
    }
    StringBuilder sb = new StringBuilder();
    if (seconds >= 3600) {
      sb.append(seconds / 3600).append('h');
    }
    if (seconds >= 60) {
      sb.append(seconds % 3600 / 60).append('m');
    }
    return sb.append(seconds % 60).append('s').toString();
  }

  /**
   * The terminal width as pb reads it (the size of /dev/tty), or 0 when there is no terminal.
   * Asking {@code stty} is the only way a JVM can read it.
   */
  static int terminalWidth() {
    try {
      Process p = new ProcessBuilder("stty", "size").redirectInput(new java.io.File("/dev/tty")).redirectErrorStream(true).start();
      String s = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).strip();
      if (p.waitFor() != 0) {
        return 0;
      }
      String[] parts = s.split(" ");
      return parts.length == 2 ? Integer.parseInt(parts[1]) : 0;
    } catch (java.io.IOException | NumberFormatException e) {
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }
}
