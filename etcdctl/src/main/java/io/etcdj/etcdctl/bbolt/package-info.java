/**
 * A read-only reader of bbolt files (go.etcd.io/bbolt v1.3.6, the version etcd 3.4.23 links): what
 * {@code etcdctl snapshot status} needs to read an etcd backend or snapshot file offline.
 *
 * <p>Owns: opening a file as {@code bolt.Open(path, 0400, ReadOnly)} does, with its checks and error
 * texts ({@link io.etcdj.etcdctl.bbolt.BoltFile}); the page layout ({@code page.go}: 16-byte page
 * header, branch and leaf elements, meta, freelist) in {@code Page}; buckets, nested and inline
 * ({@code bucket.go}), walked in key order as a bbolt cursor walks them ({@link
 * io.etcdj.etcdctl.bbolt.Bucket}); and {@code tx.Check()} ({@code Checker}).
 *
 * <p>Unlike bbolt, the file is not memory-mapped: pages are read with positional reads, so a file
 * larger than one mapping works and a page past the end of a truncated file is an error ({@link
 * io.etcdj.etcdctl.bbolt.BoltFault}) where bbolt dies of SIGBUS. No lock is taken on the file
 * (bbolt's shared flock would wait forever on a member's live db, which a read-only reader does not
 * need to do).
 *
 * <p>Threading: a {@code BoltFile} and what it hands out are confined to one thread. All integers
 * are little-endian, as bbolt writes them on amd64 and arm64.
 */
package io.etcdj.etcdctl.bbolt;
