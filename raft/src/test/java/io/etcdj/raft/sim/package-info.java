/**
 * The seeded simulated-network test of the Raft core (in the spirit of etcd-io/raft's in-memory
 * network tests and etcd's robustness suite, scaled down to one JVM): {@link
 * io.etcdj.raft.sim.Simulator} drives {@link io.etcdj.raft.RawNode}s over a virtual clock with a
 * faulty network, slow disks, crashes, torn writes, membership changes, reads, leader transfers
 * and compaction; {@link io.etcdj.raft.sim.SafetyChecker} holds the Raft paper's safety
 * properties (§5.2, §5.4, Figure 3) plus linearizable ReadIndex, no lost commits and liveness
 * after healing; {@link io.etcdj.raft.sim.RaftSimulationTest} runs thousands of seeds.
 *
 * <p>Threading: one simulator per run, confined to one thread; runs of different seeds share
 * nothing and execute in parallel. Uses only the public API of {@code io.etcdj.raft}.
 */
package io.etcdj.raft.sim;
