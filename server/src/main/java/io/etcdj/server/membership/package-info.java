/**
 * Cluster membership: member and cluster ids derived as etcd derives them ({@link
 * io.etcdj.server.membership.MemberIds}), and the member list the log has decided ({@link
 * io.etcdj.server.membership.Membership}: changed only by the apply thread, read from any thread
 * through an immutable snapshot, saved to {@code member/members} with the removed ids), and etcd's
 * strict reconfiguration checks ({@link io.etcdj.server.membership.ReconfigChecks}, pure).
 */
package io.etcdj.server.membership;
