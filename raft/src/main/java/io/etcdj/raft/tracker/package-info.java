/**
 * What a leader knows about each peer: {@link io.etcdj.raft.tracker.Progress} (match/next index
 * and the Probe / Replicate / Snapshot flow-control state machine), {@link
 * io.etcdj.raft.tracker.Inflights} (the bounded window of unacknowledged appends) and {@link
 * io.etcdj.raft.tracker.ProgressTracker} (the voter/learner configuration, the progress map and
 * the votes of an election). Mirrors etcd-io/raft {@code tracker/progress.go}, {@code
 * tracker/inflights.go}, {@code tracker/state.go} and {@code tracker/tracker.go}.
 *
 * <p>Owned by the single raft loop that drives the {@code RawNode}; not safe for concurrent use,
 * never reads a clock, fully deterministic.
 */
package io.etcdj.raft.tracker;
