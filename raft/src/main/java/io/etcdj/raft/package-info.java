/**
 * The Raft consensus core of etcdj, a pure deterministic state machine in the spirit of
 * etcd-io/raft. {@link io.etcdj.raft.RawNode} is the API (mirrors {@code rawnode.go}): time enters
 * as {@code tick()}, input as {@code step(Message)} / {@code propose(byte[])}, output leaves as a
 * {@link io.etcdj.raft.Ready} (hard state and entries to persist, messages to send, committed
 * entries to apply) acknowledged with {@code advance()}. Inside: {@code Raft} ({@code raft.go}:
 * elections with PreVote and CheckQuorum, replication, commitment, ReadIndex, leader transfer,
 * snapshots, single-step membership changes), {@code RaftLog} and {@code UnstableLog} ({@code
 * log.go}, {@code log_unstable.go}), {@code ReadOnly} ({@code read_only.go}) and the read-only
 * {@link io.etcdj.raft.RaftStorage} the core reads with its in-memory implementation {@link
 * io.etcdj.raft.MemoryStorage} ({@code storage.go}).
 *
 * <p>Threading: none. A node and its storage are confined to the one loop that drives them. The
 * core starts no thread, takes no lock, reads no clock and does no I/O (a test fails the build
 * otherwise); randomness (election jitter) comes from a seed in {@link io.etcdj.raft.RaftConfig},
 * so a run is reproducible from its inputs. Broken invariants throw {@link
 * IllegalStateException}, as etcd panics; expected outcomes are typed exceptions ({@link
 * io.etcdj.raft.ProposalDroppedException}, {@link io.etcdj.raft.CompactedException}, ...).
 *
 * <p>The {@code wal} subpackage (durable log segments) sits beside the core and is the only part
 * of this module that does I/O.
 */
package io.etcdj.raft;
