package io.etcdj.server.robustness;

/** A key as a Range answers it: mvccpb.KeyValue without the bytes (the traffic's keys and values are text). */
public record KeyValue(String key, String value, long createRevision, long modRevision, long version, long lease) {}
