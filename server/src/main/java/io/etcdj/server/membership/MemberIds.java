package io.etcdj.server.membership;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * Member and cluster ids derived as etcd derives them, so that a member started with the same
 * flags has the same ids as under etcd: a member id is the first 8 bytes (big-endian) of SHA-1
 * over its sorted peer URLs joined with nothing, followed by the cluster token; the cluster id is
 * the first 8 bytes of SHA-1 over the sorted member ids, each as 8 big-endian bytes.
 */
public final class MemberIds {
  private MemberIds() {}

  public static long memberId(Collection<URI> peerUrls, String clusterToken) {
    List<String> urls = new ArrayList<>();
    for (URI u : peerUrls) {
      urls.add(u.toString());
    }
    urls.sort(null);
    String joined = String.join("", urls) + clusterToken;
    return first8(sha1(joined.getBytes(StandardCharsets.UTF_8)));
  }

  public static long clusterId(Collection<Long> memberIds) {
    long[] ids = memberIds.stream().mapToLong(Long::longValue).toArray();
    // etcd sorts ids as unsigned 64-bit numbers.
    Long[] boxed = Arrays.stream(ids).boxed().toArray(Long[]::new);
    Arrays.sort(boxed, Long::compareUnsigned);
    ByteBuffer buf = ByteBuffer.allocate(8 * boxed.length);
    for (Long id : boxed) {
      buf.putLong(id);
    }
    return first8(sha1(buf.array()));
  }

  /** The id as etcd prints it: lower-case hex without leading zeros. */
  public static String hex(long id) {
    return Long.toHexString(id);
  }

  private static long first8(byte[] digest) {
    return ByteBuffer.wrap(digest, 0, 8).getLong();
  }

  private static byte[] sha1(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-1").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is required by the JDK", e);
    }
  }
}
