package io.etcdj.storage.backend;

/**
 * The backend reached its size limit (LMDB {@code MDB_MAP_FULL}). The write txn that hit it is
 * dead; the member must stop, or be restarted with a larger map size. The server's quota check
 * (etcd's {@code --quota-backend-bytes}) should refuse writes well before this happens.
 */
public final class BackendFullException extends BackendException {
  private static final long serialVersionUID = 1L;

  public BackendFullException(String message, Throwable cause) {
    super(message, cause);
  }
}
