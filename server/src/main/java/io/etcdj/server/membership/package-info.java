/**
 * Cluster membership: member and cluster ids (derived as etcd derives them) and the member list.
 * Immutable values; thread-safe. Membership changes through Raft come with the Raft issue.
 */
package io.etcdj.server.membership;
