/**
 * Quorum arithmetic over a single majority configuration: the committed index of a set of voters
 * and the outcome of a vote. Mirrors etcd-io/raft {@code quorum/majority.go} and
 * {@code quorum/quorum.go} (joint configurations are not supported: etcdj changes membership one
 * voter at a time).
 *
 * <p>Pure functions of their arguments; no state, deterministic, safe from any thread because
 * nothing is shared.
 */
package io.etcdj.raft.quorum;
