package io.etcdj.etcdctl.bbolt;

/**
 * A page bbolt would read through its mmap past the end of the file, or a structure it would panic
 * on. bbolt dies of SIGBUS or a panic there (exit code 2); this reader reports which page it was.
 */
public final class BoltFault extends BoltException {
  private static final long serialVersionUID = 1L;

  public BoltFault(String text) {
    super(text);
  }
}
