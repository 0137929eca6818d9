/**
 * Failpoints: named places in the write path where a robustness test can make the process halt
 * (as kill -9 would) or sleep, switched on only by the {@code ETCDJ_FAILPOINTS} environment
 * variable (etcd's gofail, without a special build). Off, a point costs one read of an empty map.
 *
 * <p>Threading: the configuration is read once at class load and never changes; hit counters are
 * atomic, so any thread may pass a point.
 */
package io.etcdj.storage.failpoint;
