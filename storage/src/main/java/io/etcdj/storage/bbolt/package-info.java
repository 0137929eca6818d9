/**
 * A writer of bbolt files (go.etcd.io/bbolt v1.3.6, the version etcd 3.4.23 links): what a
 * snapshot needs so that the file a client saves is an etcd backend, readable by stock {@code
 * etcdctl snapshot status} and {@code snapshot restore} and by etcd itself.
 *
 * <p>Owns: bulk-loading a fresh file from buckets whose keys come in ascending order ({@link
 * io.etcdj.storage.bbolt.BoltWriter}): the page layout of {@code page.go} (16-byte page header,
 * branch and leaf elements, overflow pages for a node larger than a page), buckets as {@code
 * bucket.go} stores them (inline when bbolt would keep them inline, else a B+tree), and the two
 * meta pages with their FNV-1a checksum. No freelist is written: etcd opens its backend with {@code
 * NoFreelistSync}, and bbolt rebuilds the free list of such a file by walking it.
 *
 * <p>The reader lives in the etcdctl module ({@code io.etcdj.etcdctl.bbolt}), which is the only
 * one that reads bbolt files.
 *
 * <p>Threading: a writer is confined to one thread. All integers are little-endian, as bbolt
 * writes them on amd64 and arm64.
 */
package io.etcdj.storage.bbolt;
