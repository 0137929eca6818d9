/**
 * Watch: the watchable store over the MVCC store (etcd's {@code mvcc/watchable_store.go}, {@code
 * watcher_group.go}, {@code watcher.go} and {@code pkg/adt}'s interval tree).
 *
 * <p>{@link io.etcdj.watch.WatchableStore} keeps every watcher in one of three groups: synced (at
 * the head of history), unsynced (catching up from the store in bounded passes) and victims (whose
 * stream buffer was full; they keep one undelivered message). Single-key watchers are found
 * through a hash map, range and ≥ key watchers through an interval tree ({@code IntervalTree}).
 * A {@link io.etcdj.watch.WatchStream} is one client stream's set of watchers; its messages
 * ({@link io.etcdj.watch.WatchResponse}) go, in order, to a {@link io.etcdj.watch.WatchSink} that
 * the server implements. The module knows nothing of gRPC.
 *
 * <p>Threads:
 *
 * <ul>
 *   <li>the <b>apply thread</b> calls {@code notify} after each committed batch (in revision
 *       order) and {@code restored} after installing a snapshot; it only matches and enqueues;
 *   <li>the <b>sync thread</b> ({@code etcdj-watch-sync}) catches unsynced watchers up every
 *       100 ms (at once when one is created, back to back while history remains), retries
 *       victims every 10 ms and sends periodic progress notifications; it reads the store
 *       without holding the lock;
 *   <li><b>stream callers</b> (the server's gRPC callbacks) create and cancel watchers and ask for
 *       progress.
 * </ul>
 *
 * One lock guards the groups and every watcher; no one blocks or does I/O while holding it.
 */
package io.etcdj.watch;
