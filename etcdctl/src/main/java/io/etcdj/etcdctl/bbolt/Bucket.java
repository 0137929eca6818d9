package io.etcdj.etcdctl.bbolt;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A bbolt bucket (bucket.go): a B+tree rooted at a page of the file, or an inline bucket whose
 * single leaf page is stored in its parent's value right after the 16-byte bucket header (root
 * pgid, sequence) with root 0.
 */
public final class Bucket {
  static final int HEADER_BYTES = 16;

  /** One key of a bucket, in key order; {@code value} is null for a nested bucket (as bbolt's ForEach). */
  @FunctionalInterface
  public interface Visitor {
    void entry(byte[] key, byte[] value) throws BoltException;
  }

  @FunctionalInterface
  interface PageVisitor {
    void page(Page p) throws BoltException;
  }

  private final BoltFile file;
  private final long rootPgid;
  private final Page inline;

  private Bucket(BoltFile file, long rootPgid, Page inline) {
    this.file = file;
    this.rootPgid = rootPgid;
    this.inline = inline;
  }

  static Bucket onPage(BoltFile file, long rootPgid) {
    return new Bucket(file, rootPgid, null);
  }

  /** Opens the nested bucket stored in a leaf value (bucket.go openBucket). */
  static Bucket nested(BoltFile file, byte[] value) throws BoltFault {
    if (value.length < HEADER_BYTES) {
      throw new BoltFault("bucket value of " + value.length + " bytes is shorter than a bucket header");
    }
    ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
    long root = b.getLong(0);
    if (root != 0) {
      return new Bucket(file, root, null);
    }
    if (value.length < HEADER_BYTES + Page.HEADER_BYTES) {
      throw new BoltFault("inline bucket value of " + value.length + " bytes holds no page");
    }
    return new Bucket(file, 0, new Page(b.slice(HEADER_BYTES, value.length - HEADER_BYTES)));
  }

  /** An inline bucket has no pages of its own. */
  boolean isInline() {
    return rootPgid == 0;
  }

  long rootPgid() {
    return rootPgid;
  }

  /** Every key and value in key order; nested buckets are reported with a null value. */
  public void forEach(Visitor v) throws BoltException {
    forEachLeaf((p, i) -> {
      boolean isBucket = (p.leafFlags(i) & Page.BUCKET_LEAF) != 0;
      v.entry(p.leafKey(i), isBucket ? null : p.leafValue(i));
    });
  }

  /** Every nested bucket, in key order. */
  void forEachBucket(BucketVisitor v) throws BoltException {
    forEachLeaf((p, i) -> {
      if ((p.leafFlags(i) & Page.BUCKET_LEAF) != 0) {
        v.bucket(p.leafKey(i), nested(file, p.leafValue(i)));
      }
    });
  }

  /**
   * The nested bucket {@code name}, or null when the key is missing or holds a plain value (tx.Bucket).
   */
  public Bucket bucket(byte[] name) throws BoltException {
    Bucket[] found = new Bucket[1];
    forEachLeaf((p, i) -> {
      if (found[0] == null && java.util.Arrays.equals(p.leafKey(i), name) && (p.leafFlags(i) & Page.BUCKET_LEAF) != 0) {
        found[0] = nested(file, p.leafValue(i));
      }
    });
    return found[0];
  }

  @FunctionalInterface
  interface BucketVisitor {
    void bucket(byte[] name, Bucket b) throws BoltException;
  }

  @FunctionalInterface
  private interface LeafVisitor {
    void element(Page p, int i) throws BoltException;
  }

  private void forEachLeaf(LeafVisitor v) throws BoltException {
    if (isInline()) {
      walkLeaves(inline, v);
    } else {
      walkLeaves(file.page(rootPgid), v);
    }
  }

  private void walkLeaves(Page p, LeafVisitor v) throws BoltException {
    if (p.isBranch()) {
      for (int i = 0; i < p.count(); i++) {
        walkLeaves(file.page(p.branchPgid(i)), v);
      }
      return;
    }
    for (int i = 0; i < p.count(); i++) {
      v.element(p, i);
    }
  }

  /** tx.forEachPage from this bucket's root: each page, then its children in order. */
  void forEachPage(PageVisitor v) throws BoltException {
    walkPages(file.page(rootPgid), v);
  }

  private void walkPages(Page p, PageVisitor v) throws BoltException {
    v.page(p);
    if (p.isBranch()) {
      for (int i = 0; i < p.count(); i++) {
        walkPages(file.page(p.branchPgid(i)), v);
      }
    }
  }
}
