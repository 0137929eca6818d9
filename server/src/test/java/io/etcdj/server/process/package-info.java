/**
 * Real-process tests: etcd and etcdj started as child processes on free loopback ports, driven by stock
 * {@code etcdctl} 3.4 and by jetcd, and compared with a real etcd 3.4.23.
 *
 * <p>Owns: {@link io.etcdj.server.process.EtcdProcess} (start, readiness, SIGTERM, SIGKILL, restart on the same data
 * dir, log capture), {@link io.etcdj.server.process.EtcdjJvm} (the java command of every etcdj child: class path packed
 * into jars, an AppCDS archive made once, C1 only; start-up was the largest cost of these tests),
 * {@link io.etcdj.server.process.Etcdctl} (one etcdctl run with stdin and a timeout), the
 * differential session runner and its normalizer, the crash-recovery check, and the HashKV differential check (same
 * writes on both servers, then {@code endpoint hashkv --rev N} compared), and {@link io.etcdj.server.process.EtcdCluster}
 * (three members of one kind as one new cluster: leader lookup, kill -9 / stop / restart of single members, Status
 * over gRPC) with the cluster scenarios of {@code ClusterProcessTest} and the watch-through-failover ones of {@code
 * WatchClusterProcessTest} (see {@code docs/cluster-testing.md}).
 *
 * <p>Threading: JUnit's thread drives everything; the crash and cluster tests add a few writer threads that only record
 * acknowledgements into concurrent collections. Every process a test starts is stopped by the test (try-with-resources
 * or {@code @AfterAll}) and, as a last resort, by a JVM shutdown hook kept in {@link io.etcdj.server.process.EtcdProcess}.
 *
 * <p>etcdj is referenced only by the class name {@code io.etcdj.server.EtcdMain} in a string, so these tests compile
 * before the server exists; the etcdj-side cases fail until it does. Every class is tagged {@code process}.
 *
 * <p>Mirrors etcd's own {@code tests/e2e} (etcdctl driven against spawned etcd binaries) and the kill -9 checks of
 * {@code tests/robustness}; the cluster tests follow etcd's {@code tests/e2e} cluster cases and its Procfile.
 */
package io.etcdj.server.process;
