package io.etcdj.storage.backend;

/**
 * A failure of the storage engine (I/O error, corrupt file, too many readers). A write failure is
 * fatal for the member: the caller must stop rather than continue with a store that may have lost
 * a write.
 */
public class BackendException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BackendException(String message, Throwable cause) {
    super(message, cause);
  }

  public BackendException(String message) {
    super(message);
  }
}
