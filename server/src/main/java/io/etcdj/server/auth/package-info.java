/**
 * Authentication and authorization as etcd's {@code auth} package (issue 16): users, roles and
 * key-range permissions. {@link io.etcdj.server.auth.RangePermissions} is a user's merged
 * permissions, as etcd's range permission cache; the auth store, tokens and the apply-time checks
 * come next.
 */
package io.etcdj.server.auth;
