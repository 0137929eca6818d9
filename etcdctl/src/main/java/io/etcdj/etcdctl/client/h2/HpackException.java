package io.etcdj.etcdctl.client.h2;

/** A header block that breaks RFC 7541: a COMPRESSION_ERROR of the whole connection. */
final class HpackException extends Exception {
  HpackException(String message) {
    super(message);
  }
}
