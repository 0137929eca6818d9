/**
 * Auto-compaction, as etcd 3.4's {@code etcdserver/api/v3compactor}: with {@code
 * --auto-compaction-retention} set, the leader periodically proposes an ordinary Compaction
 * through Raft, so every member compacts at the same revision in log order.
 *
 * <p>The two policies ({@link io.etcdj.server.compactor.PeriodicCompaction}, {@link
 * io.etcdj.server.compactor.RevisionCompaction}) are pure step machines fed the time, the current
 * revision and whether this member leads; they never read a clock or start a thread, so their
 * tests drive them with a manual clock. {@link io.etcdj.server.compactor.AutoCompactor} runs one
 * of them on its own timer thread, which is the only thread that touches the policy.
 */
package io.etcdj.server.compactor;
