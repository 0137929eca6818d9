/**
 * Raft for etcdj. The consensus core (a later issue) is a pure deterministic state machine in the
 * spirit of etcd-io/raft; this module's {@code wal} package holds the durable write-ahead log of
 * LogEntries and hard state that sits beside it.
 */
package io.etcdj.raft;
