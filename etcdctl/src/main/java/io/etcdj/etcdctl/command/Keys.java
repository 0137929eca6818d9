package io.etcdj.etcdctl.command;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;

/** Key arithmetic clientv3 does for etcdctl: prefix ends and the "\0" of --from-key. */
public final class Keys {
  private Keys() {}

  public static final ByteString NUL = ByteString.copyFrom(new byte[] {0});

  /** A command-line argument as key bytes (Go passes argv bytes through; Java decoded them as UTF-8). */
  public static ByteString bytes(String arg) {
    return ByteString.copyFrom(arg.getBytes(StandardCharsets.UTF_8));
  }

  /** clientv3's GetPrefixRangeEnd: the last byte below 0xff incremented, later bytes dropped; "\0" if none. */
  public static ByteString prefixEnd(ByteString key) {
    byte[] end = key.toByteArray();
    for (int i = end.length - 1; i >= 0; i--) {
      if ((end[i] & 0xff) < 0xff) {
        end[i]++;
        return ByteString.copyFrom(end, 0, i + 1);
      }
    }
    return NUL;
  }
}
