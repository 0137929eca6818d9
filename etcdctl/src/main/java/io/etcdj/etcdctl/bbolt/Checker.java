package io.etcdj.etcdctl.bbolt;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * bbolt's {@code tx.Check()} (tx.go {@code check}, {@code checkBucket}) on a file opened
 * read-only: doubly freed pages, then for every bucket page out of bounds, referenced twice, freed
 * while reachable or of a wrong type, then pages below the high water mark neither reachable nor
 * free. The freelist is the freelist page's, or, when none was synced, every page from 2 up that no
 * bucket reaches (db.go {@code freepages}).
 */
final class Checker {
  private final BoltFile file;
  private final List<String> errors = new ArrayList<>();

  Checker(BoltFile file) {
    this.file = file;
  }

  List<String> run() throws BoltException {
    Meta meta = file.meta();
    long[] free = freelist(meta);
    Set<Long> freed = new HashSet<>();
    for (long id : free) {
      if (!freed.add(id)) {
        errors.add("page " + Long.toUnsignedString(id) + ": already freed");
      }
    }
    Map<Long, Long> reachable = new HashMap<>();
    reachable.put(0L, 0L);
    reachable.put(1L, 1L);
    if (meta.freelistPgid() != Meta.NO_FREELIST) {
      Page fl = file.page(meta.freelistPgid());
      for (long i = 0; i <= fl.overflow(); i++) {
        reachable.put(meta.freelistPgid() + i, meta.freelistPgid());
      }
    }
    checkBucket(file.root(), reachable, freed, errors);
    for (long i = 0; i < meta.pgid(); i++) {
      if (!reachable.containsKey(i) && !freed.contains(i)) {
        errors.add("page " + i + ": unreachable unfreed");
      }
    }
    return errors;
  }

  private long[] freelist(Meta meta) throws BoltException {
    if (meta.freelistPgid() != Meta.NO_FREELIST) {
      Page p = file.page(meta.freelistPgid());
      if ((p.flags() & Page.FREELIST) == 0) {
        throw new BoltFault("invalid freelist page: " + Long.toUnsignedString(p.id()) + ", page type is " + p.type());
      }
      long[] ids = p.freelistIds();
      Arrays.sort(ids);
      return ids;
    }
    Map<Long, Long> reachable = new HashMap<>();
    List<String> walkErrors = new ArrayList<>();
    checkBucket(file.root(), reachable, Set.of(), walkErrors);
    if (!walkErrors.isEmpty()) {
      // bbolt panics here: "freepages: failed to get all reachable pages (<first error>)".
      throw new BoltFault("freepages: failed to get all reachable pages (" + walkErrors.get(0) + ")");
    }
    List<Long> ids = new ArrayList<>();
    for (long i = 2; i < meta.pgid(); i++) {
      if (!reachable.containsKey(i)) {
        ids.add(i);
      }
    }
    long[] out = new long[ids.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = ids.get(i);
    }
    return out;
  }

  private void checkBucket(Bucket b, Map<Long, Long> reachable, Set<Long> freed, List<String> errs) throws BoltException {
    if (b.isInline()) {
      return;
    }
    long highWater = file.meta().pgid();
    b.forEachPage(p -> {
      long id = p.id();
      if (Long.compareUnsigned(id, highWater) > 0) {
        errs.add("page " + id + ": out of bounds: " + highWater);
      }
      for (long i = 0; i <= p.overflow(); i++) {
        if (reachable.containsKey(id + i)) {
          errs.add("page " + (id + i) + ": multiple references");
        }
        reachable.put(id + i, id);
      }
      if (freed.contains(id)) {
        errs.add("page " + id + ": reachable freed");
      } else if (!p.isBranch() && !p.isLeaf()) {
        errs.add("page " + id + ": invalid type: " + p.type());
      }
    });
    b.forEachBucket((name, child) -> checkBucket(child, reachable, freed, errs));
  }
}
