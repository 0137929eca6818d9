package io.etcdj.raft.wal;

/**
 * A failure of the write-ahead log that the server cannot recover from: an I/O error while writing
 * or syncing, or corruption found on open that repair must not paper over. The server must stop
 * (and an operator must look at the directory) when it sees one; a {@link Wal} that threw it from a
 * write path refuses every later call.
 */
public final class WalException extends RuntimeException {
  public WalException(String message) {
    super(message);
  }

  public WalException(String message, Throwable cause) {
    super(message, cause);
  }
}
