package io.etcdj.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.etcdj.api.authpb.Permission;
import io.etcdj.server.errors.EtcdError;
import io.etcdj.server.errors.EtcdException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** etcd's auth store rules and errors, change by change, and the revision each change bumps. */
class AuthStoreTest {
  private final AuthStore s = new AuthStore();
  private static final byte[] HASH = "$2a$10$hash".getBytes(StandardCharsets.US_ASCII);

  private static void fails(EtcdError want, Executable e) {
    assertEquals(want, assertThrows(EtcdException.class, e).error());
  }

  private static ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private static Permission perm(Permission.Type t, String key, String end) {
    return Permission.newBuilder().setPermType(t).setKey(bs(key)).setRangeEnd(bs(end)).build();
  }

  @Test
  void enablingNeedsTheRootUserWithTheRootRole() {
    fails(EtcdError.ROOT_USER_NOT_EXIST, s::enable);
    s.userAdd("root", HASH, false);
    fails(EtcdError.ROOT_ROLE_NOT_EXIST, s::enable);
    s.userGrantRole("root", "root"); // the root role needs no role entry
    long rev = s.revision();
    s.enable();
    assertTrue(s.enabled());
    assertEquals(rev, s.revision(), "enabling does not bump the revision, as in etcd");
    s.enable(); // twice: no change
    fails(EtcdError.INVALID_AUTH_MGMT, () -> s.userDelete("root"));
    fails(EtcdError.INVALID_AUTH_MGMT, () -> s.userRevokeRole("root", "root"));
    fails(EtcdError.INVALID_AUTH_MGMT, () -> s.roleDelete("root"));
    s.disable();
    assertFalse(s.enabled());
    assertEquals(rev + 1, s.revision());
    s.disable();
    assertEquals(rev + 1, s.revision(), "disabling twice is no change");
    s.userRevokeRole("root", "root");
    s.userDelete("root");
  }

  @Test
  void usersAndRolesWithEtcdsErrors() {
    fails(EtcdError.USER_EMPTY, () -> s.userAdd("", HASH, false));
    s.userAdd("alice", HASH, false);
    fails(EtcdError.USER_ALREADY_EXIST, () -> s.userAdd("alice", HASH, false));
    fails(EtcdError.USER_NOT_FOUND, () -> s.userGet("bob"));
    fails(EtcdError.USER_NOT_FOUND, () -> s.userDelete("bob"));
    fails(EtcdError.USER_NOT_FOUND, () -> s.userChangePassword("bob", HASH));
    fails(EtcdError.ROLE_EMPTY, () -> s.roleAdd(""));
    s.roleAdd("reader");
    fails(EtcdError.ROLE_ALREADY_EXIST, () -> s.roleAdd("reader"));
    fails(EtcdError.ROLE_NOT_FOUND, () -> s.userGrantRole("alice", "writer"));
    fails(EtcdError.USER_NOT_FOUND, () -> s.userGrantRole("bob", "reader"));
    s.roleAdd("writer");
    s.userGrantRole("alice", "writer");
    s.userGrantRole("alice", "reader");
    long rev = s.revision();
    s.userGrantRole("alice", "reader"); // twice: no change
    assertEquals(rev, s.revision());
    assertEquals(List.of("reader", "writer"), s.userGet("alice"), "roles kept sorted");
    fails(EtcdError.ROLE_NOT_GRANTED, () -> s.userRevokeRole("alice", "root"));
    s.roleDelete("writer");
    assertEquals(List.of("reader"), s.userGet("alice"), "a deleted role is revoked from every user");
    fails(EtcdError.ROLE_NOT_FOUND, () -> s.roleGet("writer"));
    assertEquals(List.of("reader"), s.roleList());
    assertEquals(List.of("alice"), s.userList());
  }

  @Test
  void permissionsAreGrantedRevokedAndMergedIntoTheUsersChecks() {
    s.userAdd("alice", HASH, false);
    s.roleAdd("r");
    s.userGrantRole("alice", "r");
    s.roleGrantPermission("r", perm(Permission.Type.READ, "b", "c"));
    s.roleGrantPermission("r", perm(Permission.Type.READ, "a", ""));
    assertEquals(List.of("a", "b"), s.roleGet("r").stream().map(p -> p.getKey().toStringUtf8()).toList(), "sorted by key");
    AuthStore.Permissions p = s.permissions("alice");
    assertTrue(p.read().permits(b("a"), new byte[0]));
    assertTrue(p.read().permits(b("b"), b("bz")));
    assertFalse(p.write().permits(b("a"), new byte[0]));
    s.roleGrantPermission("r", perm(Permission.Type.READWRITE, "a", "")); // same key and end: its type changes
    assertEquals(2, s.roleGet("r").size());
    assertTrue(s.permissions("alice").write().permits(b("a"), new byte[0]));
    fails(EtcdError.PERMISSION_NOT_GRANTED, () -> s.roleRevokePermission("r", bs("a"), bs("b")));
    s.roleRevokePermission("r", bs("a"), bs(""));
    assertFalse(s.permissions("alice").read().permits(b("a"), new byte[0]));
    assertFalse(s.permissions("nobody").read().permits(b("b"), new byte[0]));
    s.userGrantRole("alice", "root");
    assertTrue(s.permissions("alice").root());
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
