/**
 * Authentication and authorization as etcd's {@code auth} package (issue 16): users, roles and
 * key-range permissions. {@link io.etcdj.server.auth.AuthStore} is the replicated state with
 * etcd's rules and errors, changed by the apply thread only; {@link
 * io.etcdj.server.auth.RangePermissions} is a user's merged permissions, as etcd's range
 * permission cache. Still to come: persisting the state in the backend, the Auth service, tokens
 * (simple and JWT), and the permission checks on every RPC.
 */
package io.etcdj.server.auth;
