/**
 * The robustness harness's oracles (issue 15), written to be checked on their own before they
 * judge a server: a recorded client history ({@link io.etcdj.server.robustness.Operation}) is
 * checked for linearizability against a sequential model of etcd's KV API ({@link
 * io.etcdj.server.robustness.KvModel}) by a Wing-Gong-Lowe search ({@link
 * io.etcdj.server.robustness.LinearizabilityChecker}), as etcd's robustness suite does with
 * porcupine: one model of the whole key space (every response carries the global revision, so
 * keys are not independent and the history is not split by key), few keys, unique values per
 * write, and a write whose client saw an error or a timeout treated as "may have happened at any
 * time after its call".
 *
 * <p>Two more oracles judge what a run recorded besides the KV calls: {@link
 * io.etcdj.server.robustness.WatchChecker} holds every recorded watch stream ({@link
 * io.etcdj.server.robustness.WatchRecord}) to etcd's watch guarantees (ordered, unique, atomic,
 * bookmarkable, resumable, reliable, right kv and prev_kv, cancelled on compaction exactly when
 * owed) against the replayed {@link io.etcdj.server.robustness.WriteLog}, and {@link
 * io.etcdj.server.robustness.LeaseChecker} holds the log to the leases the clients kept alive or
 * let go ({@link io.etcdj.server.robustness.LeaseHistory}): no key of a live lease deleted, no key
 * of an expired one left past TTL + 2 s, on one nanoTime clock.
 *
 * <p>The oracles are plain single-threaded code over immutable values, so the checkers' own
 * tests are fast unit tests with hand-made legal and illegal histories.
 *
 * <p>The recording side: a {@link io.etcdj.server.robustness.Workload} runs the KV clients ({@link
 * io.etcdj.server.robustness.KvTraffic} over {@link io.etcdj.server.robustness.JetcdRecorder}), a
 * lease client ({@link io.etcdj.server.robustness.LeaseTraffic}, raw Lease stub) and recorded
 * watches ({@link io.etcdj.server.robustness.WatchRecorder}, raw Watch stub, resumed on another
 * member when a stream breaks), compacts once, and takes the committed log from the live watch on
 * the whole prefix from revision 1; every header's raft term goes to a {@link
 * io.etcdj.server.robustness.TermLog}. {@link io.etcdj.server.robustness.Oracles} then runs every
 * oracle over the record, after {@link io.etcdj.server.robustness.ServerDeletes} has turned the
 * lease revokes and expiries in the log into calls of a "server" client, which the KV oracles need
 * and the lease oracle must not see. Those pieces own threads and gRPC channels; they are exercised
 * by the process tests RobustnessNoFaultTest and RobustnessFaultTest.
 */
package io.etcdj.server.robustness;
