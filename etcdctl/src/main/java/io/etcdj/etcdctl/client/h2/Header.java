package io.etcdj.etcdctl.client.h2;

/**
 * One header field. Names and values are kept as ISO-8859-1 strings, one char per octet, so no
 * byte is lost on the way from the wire to {@code io.grpc.Metadata}.
 */
record Header(String name, String value) {
  /** RFC 7541 section 4.1: an entry's size is its octets plus 32. */
  int size() {
    return name.length() + value.length() + 32;
  }
}
