package io.etcdj.etcdctl.cli;

import java.io.PrintStream;

/**
 * A crash of stock etcdctl, told as the Go runtime tells it: a few printers of etcdctl 3.4 dereference
 * a nil pointer (the fields printer of an alarm response, which never carries a header; the
 * non-simple printers of {@code member promote}, which have no method for it). etcdctl then dies with
 * Go's panic text on stderr and exit status 2, after the request took effect. We print the same
 * first lines and the frames by name (without Go's argument words and program counters, which only
 * that one binary has) and exit the same way.
 */
public final class GoPanic {
  /** The Go runtime's exit status after an unrecovered panic. */
  public static final int EXIT_CODE = 2;

  private GoPanic() {}

  /**
   * Prints a nil pointer dereference panic at the faulting address (0x0 for a nil struct pointer, the
   * method's offset in the table for a method called on a nil interface) with the given frames,
   * innermost first, each as {@code function} and {@code file:line}, and returns what ends the
   * command.
   */
  public static CtlException.Silent nilDereference(PrintStream err, long addr, String... frames) {
    StringBuilder sb = new StringBuilder();
    sb.append("panic: runtime error: invalid memory address or nil pointer dereference\n");
    sb.append("[signal SIGSEGV: segmentation violation code=0x1 addr=0x")
        .append(Long.toHexString(addr))
        .append(" pc=0x0]\n\n");
    sb.append("goroutine 1 [running]:\n");
    for (int i = 0; i + 1 < frames.length; i += 2) {
      sb.append(frames[i]).append("(...)\n\t").append(frames[i + 1]).append('\n');
    }
    err.print(sb);
    err.flush();
    return new CtlException.Silent(EXIT_CODE);
  }

  /**
   * Prints a panic with a message of its own (clientv3.Compare's "Unknown result op", a slice past a
   * word's end in argify) and the goroutine line its stack starts with, and returns what ends the
   * command.
   */
  public static CtlException.Silent panic(Io io, String message) {
    io.out().flush();
    io.err().print("panic: " + message + "\n\ngoroutine 1 [running]:\n");
    io.err().flush();
    return new CtlException.Silent(EXIT_CODE);
  }
}
