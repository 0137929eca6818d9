package io.etcdj.server.auth;

import com.google.protobuf.ByteString;
import io.etcdj.api.authpb.Permission;
import io.etcdj.api.authpb.Role;
import io.etcdj.api.authpb.User;
import io.etcdj.api.authpb.UserAddOptions;
import io.etcdj.server.errors.EtcdError;
import io.etcdj.server.errors.EtcdException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The auth state as etcd's {@code authStore} keeps it in its auth buckets: the enabled flag, the
 * auth revision, users (name, bcrypt hash, roles, options) and roles (name, key permissions), each
 * change applying etcd's rules and errors. Only the apply thread changes it, in log order, so every
 * member holds the same state at the same index; password hashes arrive already made (as etcd 3.5
 * does, hashing before the proposal), so applying is deterministic and cheap.
 *
 * <p>Every change that takes effect bumps the revision, as etcd's {@code commitRevision}; a token
 * or request made at an older revision is then refused. A user's merged permissions ({@link
 * #permissions}) are rebuilt after every change, as etcd's range permission cache.
 *
 * <p>Not thread-safe: only the apply thread may use it; what other threads read will be published from it.
 */
public final class AuthStore {
  public static final String ROOT = "root";

  private boolean enabled;
  private long revision;
  private final TreeMap<String, User> users = new TreeMap<>();
  private final TreeMap<String, Role> roles = new TreeMap<>();

  /** A user's permissions of both kinds, merged from its roles. */
  public record Permissions(RangePermissions read, RangePermissions write, boolean root) {
    static final Permissions NONE = new Permissions(RangePermissions.NONE, RangePermissions.NONE, false);
  }

  private Map<String, Permissions> permissions = Map.of();

  public boolean enabled() {
    return enabled;
  }

  public long revision() {
    return revision;
  }

  /** etcd's AuthEnable: needs the root user with the root role; enabling twice is no change. */
  public void enable() {
    if (enabled) {
      return;
    }
    User root = users.get(ROOT);
    if (root == null) {
      throw new EtcdException(EtcdError.ROOT_USER_NOT_EXIST);
    }
    if (!root.getRolesList().contains(ROOT)) {
      throw new EtcdException(EtcdError.ROOT_ROLE_NOT_EXIST);
    }
    enabled = true;
    // etcd's AuthEnable sets the revision it reads back, without a bump.
    refresh();
  }

  /** etcd's AuthDisable: disabling twice is no change. */
  public void disable() {
    if (!enabled) {
      return;
    }
    enabled = false;
    commit();
  }

  /** @param hashedPassword the bcrypt hash, or empty for a user without a password */
  public void userAdd(String name, byte[] hashedPassword, boolean noPassword) {
    if (name.isEmpty()) {
      throw new EtcdException(EtcdError.USER_EMPTY);
    }
    if (users.containsKey(name)) {
      throw new EtcdException(EtcdError.USER_ALREADY_EXIST);
    }
    users.put(
        name,
        User.newBuilder()
            .setName(bytes(name))
            .setPassword(ByteString.copyFrom(hashedPassword))
            .setOptions(UserAddOptions.newBuilder().setNoPassword(noPassword))
            .build());
    commit();
  }

  public void userDelete(String name) {
    if (enabled && name.equals(ROOT)) {
      throw new EtcdException(EtcdError.INVALID_AUTH_MGMT);
    }
    if (users.remove(name) == null) {
      throw new EtcdException(EtcdError.USER_NOT_FOUND);
    }
    commit();
  }

  public void userChangePassword(String name, byte[] hashedPassword) {
    User u = user(name);
    users.put(name, u.toBuilder().setPassword(ByteString.copyFrom(hashedPassword)).build());
    commit();
  }

  /** Granting a role twice is no change; the root role needs no role entry, as in etcd. */
  public void userGrantRole(String name, String role) {
    User u = user(name);
    if (!role.equals(ROOT) && !roles.containsKey(role)) {
      throw new EtcdException(EtcdError.ROLE_NOT_FOUND);
    }
    if (u.getRolesList().contains(role)) {
      return;
    }
    List<String> rs = new ArrayList<>(u.getRolesList());
    rs.add(role);
    rs.sort(null);
    users.put(name, u.toBuilder().clearRoles().addAllRoles(rs).build());
    commit();
  }

  public void userRevokeRole(String name, String role) {
    if (enabled && name.equals(ROOT) && role.equals(ROOT)) {
      throw new EtcdException(EtcdError.INVALID_AUTH_MGMT);
    }
    User u = user(name);
    List<String> rs = new ArrayList<>(u.getRolesList());
    if (!rs.remove(role)) {
      throw new EtcdException(EtcdError.ROLE_NOT_GRANTED);
    }
    users.put(name, u.toBuilder().clearRoles().addAllRoles(rs).build());
    commit();
  }

  public List<String> userGet(String name) {
    return List.copyOf(user(name).getRolesList());
  }

  public List<String> userList() {
    return List.copyOf(users.keySet());
  }

  public void roleAdd(String name) {
    if (name.isEmpty()) {
      throw new EtcdException(EtcdError.ROLE_EMPTY);
    }
    if (roles.containsKey(name)) {
      throw new EtcdException(EtcdError.ROLE_ALREADY_EXIST);
    }
    roles.put(name, Role.newBuilder().setName(bytes(name)).build());
    commit();
  }

  public List<Permission> roleGet(String name) {
    return List.copyOf(role(name).getKeyPermissionList());
  }

  public List<String> roleList() {
    return List.copyOf(roles.keySet());
  }

  /** Deleting a role revokes it from every user. */
  public void roleDelete(String name) {
    if (enabled && name.equals(ROOT)) {
      throw new EtcdException(EtcdError.INVALID_AUTH_MGMT);
    }
    if (roles.remove(name) == null) {
      throw new EtcdException(EtcdError.ROLE_NOT_FOUND);
    }
    for (Map.Entry<String, User> e : users.entrySet()) {
      List<String> rs = new ArrayList<>(e.getValue().getRolesList());
      if (rs.remove(name)) {
        e.setValue(e.getValue().toBuilder().clearRoles().addAllRoles(rs).build());
      }
    }
    commit();
  }

  /**
   * etcd's RoleGrantPermission: the permissions are kept sorted by key; a grant whose key and range
   * end equal those of the permission found at its key's place changes that one's type, any
   * other is added (etcd looks only at that one place, so two grants with one key and different
   * range ends both stay).
   */
  public void roleGrantPermission(String name, Permission perm) {
    Role r = role(name);
    List<Permission> ps = new ArrayList<>(r.getKeyPermissionList());
    int idx = 0;
    while (idx < ps.size() && compare(ps.get(idx).getKey(), perm.getKey()) < 0) {
      idx++;
    }
    if (idx < ps.size() && ps.get(idx).getKey().equals(perm.getKey()) && ps.get(idx).getRangeEnd().equals(perm.getRangeEnd())) {
      ps.set(idx, ps.get(idx).toBuilder().setPermType(perm.getPermType()).build());
    } else {
      ps.add(perm);
      ps.sort(Comparator.comparing(Permission::getKey, AuthStore::compare));
    }
    roles.put(name, r.toBuilder().clearKeyPermission().addAllKeyPermission(ps).build());
    commit();
  }

  public void roleRevokePermission(String name, ByteString key, ByteString rangeEnd) {
    Role r = role(name);
    List<Permission> kept = new ArrayList<>();
    for (Permission p : r.getKeyPermissionList()) {
      if (!p.getKey().equals(key) || !p.getRangeEnd().equals(rangeEnd)) {
        kept.add(p);
      }
    }
    if (kept.size() == r.getKeyPermissionCount()) {
      throw new EtcdException(EtcdError.PERMISSION_NOT_GRANTED);
    }
    roles.put(name, r.toBuilder().clearKeyPermission().addAllKeyPermission(kept).build());
    commit();
  }

  /** The stored user (with its hash), or null. */
  public User findUser(String name) {
    return users.get(name);
  }

  /** {@code name}'s merged permissions; none for an unknown user. */
  public Permissions permissions(String name) {
    return permissions.getOrDefault(name, Permissions.NONE);
  }

  private User user(String name) {
    User u = users.get(name);
    if (u == null) {
      throw new EtcdException(EtcdError.USER_NOT_FOUND);
    }
    return u;
  }

  private Role role(String name) {
    Role r = roles.get(name);
    if (r == null) {
      throw new EtcdException(EtcdError.ROLE_NOT_FOUND);
    }
    return r;
  }

  private void commit() {
    revision++;
    refresh();
  }

  /** etcd's refreshRangePermCache: every user's permissions, rebuilt from its roles. */
  private void refresh() {
    Map<String, Permissions> out = new TreeMap<>();
    for (User u : users.values()) {
      List<RangePermissions.Grant> read = new ArrayList<>();
      List<RangePermissions.Grant> write = new ArrayList<>();
      for (String roleName : u.getRolesList()) {
        Role r = roles.get(roleName);
        if (r == null) {
          continue;
        }
        for (Permission p : r.getKeyPermissionList()) {
          RangePermissions.Grant g = new RangePermissions.Grant(p.getKey().toByteArray(), p.getRangeEnd().toByteArray());
          if (p.getPermType() != Permission.Type.WRITE) {
            read.add(g);
          }
          if (p.getPermType() != Permission.Type.READ) {
            write.add(g);
          }
        }
      }
      String name = u.getName().toStringUtf8();
      out.put(name, new Permissions(RangePermissions.of(read), RangePermissions.of(write), u.getRolesList().contains(ROOT)));
    }
    permissions = out;
  }

  private static int compare(ByteString a, ByteString b) {
    return ByteString.unsignedLexicographicalComparator().compare(a, b);
  }

  private static ByteString bytes(String s) {
    return ByteString.copyFrom(s, StandardCharsets.UTF_8);
  }
}
