package io.etcdj.server.concurrency;

import io.etcdj.api.etcdserverpb.ResponseHeader;
import io.etcdj.api.mvccpb.KeyValue;

/**
 * Where an observation of an election delivers. etcd's observer blocks on an unbuffered channel
 * until the stream has sent the previous leader; here the observer asks {@link #whenReady} instead
 * and reads no further watch response until then, so a slow observer holds back only its own watch.
 *
 * <p>Calls come one at a time, from the client's executor or from whatever thread runs the
 * {@code resume} callback.
 */
public interface LeaderSink {
  /** Delivers the leader's key-value at {@code header}. */
  void onLeader(ResponseHeader header, KeyValue kv);

  /** Runs {@code resume} once the sink can take another leader: at once if it can now. */
  void whenReady(Runnable resume);

  /**
   * The observation is over: the context was cancelled, or a read or watch failed ({@code cause},
   * which etcd does not report: its Observe then ends the stream without an error).
   */
  void onEnd(Throwable cause);
}
