/**
 * Watch: the watchable store over {@code io.etcdj.storage.mvcc} (etcd's {@code watchable_store.go}).
 * Events are published at the end of each write txn on the apply thread; watchers live in synced,
 * unsynced and victim groups with fixed bounds; range watchers are found through an interval tree.
 * Empty until the Watch issue.
 */
package io.etcdj.watch;
