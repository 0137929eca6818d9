package io.etcdj.server.robustness;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcdj.server.robustness.KvRequest.Compare;
import io.etcdj.server.robustness.KvRequest.Delete;
import io.etcdj.server.robustness.KvRequest.Get;
import io.etcdj.server.robustness.KvRequest.Put;
import io.etcdj.server.robustness.KvRequest.Txn;
import io.etcdj.server.robustness.KvRequest.TxnOp;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One recording client on jetcd, the Java client users have: it makes one call at a time,
 * stamps its call and return with {@link System#nanoTime()}, and turns the answer into the
 * checker's {@link KvResponse}. An error or a timeout is recorded as an unknown outcome: the call
 * may or may not have taken effect (jetcd does not retry puts, deletes or txns unless asked, so a
 * write is sent at most once).
 */
public final class JetcdRecorder implements AutoCloseable {
  private final int clientId;
  private final Client client;
  private final KV kv;
  private final Duration timeout;

  private final TermLog terms;

  public JetcdRecorder(int clientId, String endpoint, Duration timeout) {
    this(clientId, endpoint, timeout, new TermLog());
  }

  /** As above; the raft term of every answer goes to {@code terms} (all calls are linearizable). */
  public JetcdRecorder(int clientId, String endpoint, Duration timeout, TermLog terms) {
    this.terms = terms;
    this.clientId = clientId;
    this.client = Client.builder().endpoints(endpoint).build();
    this.kv = client.getKVClient();
    this.timeout = timeout;
  }

  public Operation call(KvRequest request) throws InterruptedException {
    long call = System.nanoTime();
    CompletableFuture<KvResponse> answer =
        send(request, term -> terms.quorumAnswered(term, call, System.nanoTime()));
    try {
      KvResponse r = answer.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return new Operation(clientId, call, System.nanoTime(), request, r);
    } catch (ExecutionException | TimeoutException e) {
      answer.cancel(true);
      return Operation.unknown(clientId, call, request);
    }
  }

  /** Sends the call; {@code term} gets the answer's raft term before it is returned. */
  private CompletableFuture<KvResponse> send(KvRequest request, java.util.function.LongConsumer term) {
    if (request instanceof Get g) {
      return kv.get(bytes(g.key())).thenApply(r -> {
        term.accept(r.getHeader().getRaftTerm());
        return new KvResponse.GetResult(r.getHeader().getRevision(), first(r));
      });
    }
    if (request instanceof Put p) {
      PutOption opt = PutOption.builder().withLeaseId(p.lease()).build();
      return kv.put(bytes(p.key()), bytes(p.value()), opt).thenApply(r -> {
        term.accept(r.getHeader().getRaftTerm());
        return new KvResponse.PutResult(r.getHeader().getRevision());
      });
    }
    if (request instanceof Delete d) {
      return kv.delete(bytes(d.key())).thenApply(r -> {
        term.accept(r.getHeader().getRaftTerm());
        return new KvResponse.DeleteResult(r.getHeader().getRevision(), r.getDeleted());
      });
    }
    Txn t = (Txn) request;
    return kv.txn()
        .If(t.compares().stream().map(JetcdRecorder::cmp).toArray(Cmp[]::new))
        .Then(t.success().stream().map(JetcdRecorder::op).toArray(Op[]::new))
        .Else(t.failure().stream().map(JetcdRecorder::op).toArray(Op[]::new))
        .commit()
        .thenApply(
            r -> {
              term.accept(r.getHeader().getRaftTerm());
              // jetcd groups a txn's results by kind; each kind keeps the branch's order.
              Iterator<GetResponse> gets = r.getGetResponses().iterator();
              Iterator<io.etcd.jetcd.kv.DeleteResponse> deletes = r.getDeleteResponses().iterator();
              List<KvResponse.OpResult> results = new ArrayList<>();
              for (TxnOp op : r.isSucceeded() ? t.success() : t.failure()) {
                if (op instanceof Get) {
                  results.add(new KvResponse.Got(first(gets.next())));
                } else if (op instanceof Put) {
                  results.add(new KvResponse.Wrote());
                } else {
                  results.add(new KvResponse.Deleted(deletes.next().getDeleted()));
                }
              }
              return new KvResponse.TxnResult(r.getHeader().getRevision(), r.isSucceeded(), results);
            });
  }

  private static Cmp cmp(Compare c) {
    Cmp.Op op =
        switch (c.result()) {
          case EQUAL -> Cmp.Op.EQUAL;
          case NOT_EQUAL -> Cmp.Op.NOT_EQUAL;
          case GREATER -> Cmp.Op.GREATER;
          case LESS -> Cmp.Op.LESS;
        };
    CmpTarget<?> target =
        switch (c.target()) {
          case VALUE -> CmpTarget.value(bytes((String) c.operand()));
          case VERSION -> CmpTarget.version((Long) c.operand());
          case CREATE -> CmpTarget.createRevision((Long) c.operand());
          case MOD -> CmpTarget.modRevision((Long) c.operand());
        };
    return new Cmp(bytes(c.key()), op, target);
  }

  private static Op op(TxnOp o) {
    if (o instanceof Get g) {
      return Op.get(bytes(g.key()), GetOption.DEFAULT);
    }
    if (o instanceof Put p) {
      return Op.put(bytes(p.key()), bytes(p.value()), PutOption.builder().withLeaseId(p.lease()).build());
    }
    return Op.delete(bytes(((Delete) o).key()), DeleteOption.DEFAULT);
  }

  private static KeyValue first(GetResponse r) {
    if (r.getKvs().isEmpty()) {
      return null;
    }
    return of(r.getKvs().get(0));
  }

  static KeyValue of(io.etcd.jetcd.KeyValue kv) {
    return new KeyValue(
        kv.getKey().toString(StandardCharsets.UTF_8),
        kv.getValue().toString(StandardCharsets.UTF_8),
        kv.getCreateRevision(),
        kv.getModRevision(),
        kv.getVersion(),
        kv.getLease());
  }

  static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    client.close();
  }
}
