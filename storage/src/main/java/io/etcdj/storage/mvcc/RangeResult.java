package io.etcdj.storage.mvcc;

import io.etcdj.api.mvccpb.KeyValue;
import java.util.List;

/**
 * The answer of a store-level range.
 *
 * @param kvs the KeyValues in ascending key order, at most the limit
 * @param rev the revision the range was read at (the header revision)
 * @param count the number of keys in the whole range, not capped by the limit
 */
public record RangeResult(List<KeyValue> kvs, long rev, long count) {}
