/**
 * The write-ahead log: the durable record of Raft log entries, hard state and snapshot markers that
 * a node replays on restart. It mirrors etcd's {@code server/storage/wal} ({@code wal.go}, {@code
 * encoder.go}, {@code decoder.go}, {@code repair.go}) with its own file format. The only public
 * types are {@link io.etcdj.raft.wal.Wal}, its options, its contents and its exception.
 *
 * <h2>Files</h2>
 *
 * A directory holds {@code wal.lock} (an OS file lock held while a {@code Wal} is open) and segment
 * files named {@code <seq>-<firstIndex>.wal}, 16 lowercase hex digits each: {@code seq} counts up
 * by one per segment (a gap is corruption), {@code firstIndex} is the index the segment's first
 * entry was expected to have. A segment is created as {@code <name>.tmp}, zero-filled to {@code
 * segmentBytes} when preallocating, given its header block, fsynced and renamed into place (the
 * directory is fsynced too); leftover {@code .tmp} files are deleted on open. When the next record
 * would not fit, the tail segment is fsynced and closed and a new one is created ("roll").
 *
 * <h2>Records</h2>
 *
 * All integers little-endian; every frame starts at a multiple of 8 bytes.
 *
 * <pre>
 * frame := crc32c:u32  bodyBytes:u32  type:u8  payload  zero padding to 8
 *          crc32c (java.util.zip.CRC32C) covers bodyBytes, type, payload; bodyBytes = 1 + payload
 * type 1  segment header   magic "EJWL", version 1, seq u64, firstIndex u64, headerBytes u64
 * type 2  entry            LogEntry protobuf
 * type 3  hard state       HardState protobuf
 * type 4  snapshot marker  SnapshotMetadata protobuf
 * type 5  sync mark        ownOffset u64, durableTo u64
 * </pre>
 *
 * Each segment starts with a header block: the header record, the current snapshot marker (if any)
 * and the current hard state. So deleting old segments never loses what a restart needs. Since
 * bodyBytes is never zero, zeroes where a frame should start end the log: that is how the
 * preallocated, never-written rest of a segment reads.
 *
 * <p>A sync mark is written at the start of the first batch after each sync and records the offset
 * that sync made durable. Because it is written only after that fsync returned, finding it proves
 * the bytes before {@code durableTo} were durable; replay uses that to tell corruption from a torn
 * write.
 *
 * <h2>Replay and repair</h2>
 *
 * Records are applied in order: an entry whose index is at or below the last one replaces the log
 * from there (Raft truncation), a later snapshot marker or hard state replaces the earlier one, and
 * at the end entries at or below the snapshot index are dropped. A bad frame in the tail of the
 * last segment that could be an unfinished write (partial record, checksum mismatch with nothing
 * valid after it, garbage before zeroes, or a zeroed sector before later records of the same
 * unsynced write) is cut off with a warning, and the rest of the segment is zeroed again. A bad
 * frame anywhere else — in a segment that was followed by another, inside a header block, before a
 * sync mark vouching for it, or followed by valid records with no sign of a torn write — makes
 * {@code open} throw {@link io.etcdj.raft.wal.WalException} rather than drop durable data, as do a
 * missing segment and entries that do not continue from the snapshot.
 *
 * <h2>Threading and durability</h2>
 *
 * {@code Wal} is single-threaded: the raft loop is its only user. {@code append} only encodes into
 * a reused direct buffer (written out when it fills); a record is durable only after {@code sync()}
 * returns, which writes the buffer and calls {@code FileChannel.force(false)} (fdatasync) once, for
 * all appends since the previous sync (group commit). {@code saveSnapshot} syncs before returning.
 * Any I/O error while writing or syncing throws {@link io.etcdj.raft.wal.WalException}; the {@code
 * Wal} then refuses all further calls, and the server must stop: after a failed fsync the state of
 * the file is unknown.
 */
package io.etcdj.raft.wal;
