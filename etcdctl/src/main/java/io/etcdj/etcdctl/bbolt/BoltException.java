package io.etcdj.etcdctl.bbolt;

/** An error bbolt returns, carrying bbolt's (or the Go runtime's) error text. */
public class BoltException extends Exception {
  private static final long serialVersionUID = 1L;

  public BoltException(String goText) {
    super(goText, null, false, false);
  }
}
