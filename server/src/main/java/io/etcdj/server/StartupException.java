package io.etcdj.server;

/**
 * An expected reason not to start, such as a cluster this member cannot join: the message is
 * etcd's, {@link EtcdMain} prints it without a stack trace and exits 1 as etcd's fatal log does.
 */
public final class StartupException extends RuntimeException {
  public StartupException(String message) {
    super(message, null, false, false);
  }
}
