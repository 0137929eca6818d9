package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.DeleteResponse;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.CompactOption;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * KV through jetcd 0.8: the same assertions run against real etcd (which proves the expectations) and against etcdj.
 *
 * <p>One server per kind serves the whole class; each test works under its own key prefix and reasons only about
 * revisions it observed itself, so tests do not depend on each other's order.
 */
@Tag("process")
class JetcdKvTest {

  static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
  static final String COMPACTED = "etcdserver: mvcc: required revision has been compacted";
  static final String FUTURE_REV = "etcdserver: mvcc: required revision is a future revision";

  private static final Map<EtcdProcess.Kind, EtcdProcess> SERVERS = new EnumMap<>(EtcdProcess.Kind.class);
  private static final Map<EtcdProcess.Kind, Client> CLIENTS = new EnumMap<>(EtcdProcess.Kind.class);
  private static final AtomicInteger PREFIXES = new AtomicInteger();

  @AfterAll
  static void stopServers() {
    CLIENTS.values().forEach(Client::close);
    CLIENTS.clear();
    SERVERS.values().forEach(EtcdProcess::close);
    SERVERS.clear();
  }

  private static KV kv(EtcdProcess.Kind kind) {
    return CLIENTS
        .computeIfAbsent(
            kind,
            k -> {
              EtcdProcess server = SERVERS.computeIfAbsent(k, kk -> EtcdProcess.start(kk, "jetcd"));
              return Client.builder().endpoints(server.clientUrl()).build();
            })
        .getKVClient();
  }

  static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  static String str(ByteSequence b) {
    return b.toString(StandardCharsets.UTF_8);
  }

  static <T> T await(CompletableFuture<T> f) {
    try {
      return f.get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Asserts the call fails with etcd's gRPC code and exact message. jetcd 0.8's KV client does not wrap server errors
   * in its EtcdException: the future fails with grpc's StatusRuntimeException itself (checked against etcd 3.4).
   */
  static void assertEtcdError(Status.Code code, String message, CompletableFuture<?> call) {
    RuntimeException e = assertThrows(RuntimeException.class, () -> await(call));
    StatusRuntimeException sre =
        assertInstanceOf(StatusRuntimeException.class, e, () -> "not a StatusRuntimeException: " + e);
    assertEquals(code, sre.getStatus().getCode(), () -> "code of " + sre);
    assertEquals(message, sre.getStatus().getDescription());
  }

  private static String prefix(String test) {
    return "/jetcd/" + test + "/" + PREFIXES.incrementAndGet() + "/";
  }

  private static List<String> keys(GetResponse r) {
    List<String> keys = new ArrayList<>();
    for (KeyValue kv : r.getKvs()) {
      keys.add(str(kv.getKey()));
    }
    return keys;
  }

  @ParameterizedTest
  @MethodSource("io.etcdj.server.process.EtcdProcess#selectedKinds")
  void putGetDelete(EtcdProcess.Kind kind) {
    KV kv = kv(kind);
    String p = prefix("pgd");
    PutResponse first = await(kv.put(bs(p + "a"), bs("1")));
    long rev1 = first.getHeader().getRevision();
    assertFalse(first.hasPrevKv());

    GetResponse got = await(kv.get(bs(p + "a")));
    assertEquals(1, got.getCount());
    KeyValue a = got.getKvs().get(0);
    assertEquals("1", str(a.getValue()));
    assertEquals(rev1, a.getCreateRevision());
    assertEquals(rev1, a.getModRevision());
    assertEquals(1, a.getVersion());
    assertEquals(0, a.getLease());
    assertEquals(rev1, got.getHeader().getRevision());

    PutResponse second = await(kv.put(bs(p + "a"), bs("2"), PutOption.builder().withPrevKV().build()));
    assertEquals(rev1 + 1, second.getHeader().getRevision());
    assertTrue(second.hasPrevKv());
    assertEquals("1", str(second.getPrevKv().getValue()));
    assertEquals(rev1, second.getPrevKv().getModRevision());
    KeyValue a2 = await(kv.get(bs(p + "a"))).getKvs().get(0);
    assertEquals(2, a2.getVersion());
    assertEquals(rev1, a2.getCreateRevision());
    assertEquals(rev1 + 1, a2.getModRevision());

    DeleteResponse del = await(kv.delete(bs(p + "a"), DeleteOption.builder().withPrevKV(true).build()));
    assertEquals(1, del.getDeleted());
    assertEquals(rev1 + 2, del.getHeader().getRevision());
    assertEquals(1, del.getPrevKvs().size());
    assertEquals("2", str(del.getPrevKvs().get(0).getValue()));
    assertEquals(0, await(kv.get(bs(p + "a"))).getCount());

    DeleteResponse none = await(kv.delete(bs(p + "a")));
    assertEquals(0, none.getDeleted());
    assertEquals(rev1 + 2, none.getHeader().getRevision(), "deleting nothing must not raise the revision");

    PutResponse again = await(kv.put(bs(p + "a"), bs("3")));
    KeyValue a3 = await(kv.get(bs(p + "a"))).getKvs().get(0);
    assertEquals(1, a3.getVersion(), "a re-created key starts again at version 1");
    assertEquals(again.getHeader().getRevision(), a3.getCreateRevision());

    // the old value stays readable at its revision
    GetResponse old = await(kv.get(bs(p + "a"), GetOption.builder().withRevision(rev1).build()));
    assertEquals("1", str(old.getKvs().get(0).getValue()));
  }

  @ParameterizedTest
  @MethodSource("io.etcdj.server.process.EtcdProcess#selectedKinds")
  void getOptions(EtcdProcess.Kind kind) {
    KV kv = kv(kind);
    String p = prefix("get");
    String[][] data = {{"c", "1"}, {"a", "3"}, {"e", "2"}, {"b", "5"}, {"d", "4"}};
    long firstRev = 0;
    for (String[] d : data) {
      long r = await(kv.put(bs(p + d[0]), bs(d[1]))).getHeader().getRevision();
      firstRev = firstRev == 0 ? r : firstRev;
    }
    await(kv.put(bs(p + "b"), bs("6")));
    ByteSequence pk = bs(p);

    GetResponse all = await(kv.get(pk, GetOption.builder().isPrefix(true).build()));
    assertEquals(List.of(p + "a", p + "b", p + "c", p + "d", p + "e"), keys(all));
    assertEquals(5, all.getCount());
    assertFalse(all.isMore());

    GetResponse limited = await(kv.get(pk, GetOption.builder().isPrefix(true).withLimit(2).build()));
    assertEquals(List.of(p + "a", p + "b"), keys(limited));
    assertEquals(5, limited.getCount(), "count is the whole range, not capped by limit");
    assertTrue(limited.isMore());

    GetResponse byValueDesc =
        await(
            kv.get(
                pk,
                GetOption.builder()
                    .isPrefix(true)
                    .withSortField(GetOption.SortTarget.VALUE)
                    .withSortOrder(GetOption.SortOrder.DESCEND)
                    .build()));
    assertEquals(List.of(p + "b", p + "d", p + "a", p + "e", p + "c"), keys(byValueDesc));

    GetResponse byVersionLimited =
        await(
            kv.get(
                pk,
                GetOption.builder()
                    .isPrefix(true)
                    .withSortField(GetOption.SortTarget.VERSION)
                    .withSortOrder(GetOption.SortOrder.DESCEND)
                    .withLimit(1)
                    .build()));
    assertEquals(List.of(p + "b"), keys(byVersionLimited), "sort happens before limit");

    GetResponse byCreate =
        await(
            kv.get(
                pk,
                GetOption.builder()
                    .isPrefix(true)
                    .withSortField(GetOption.SortTarget.CREATE)
                    .withSortOrder(GetOption.SortOrder.ASCEND)
                    .build()));
    assertEquals(List.of(p + "c", p + "a", p + "e", p + "b", p + "d"), keys(byCreate));

    GetResponse byModDesc =
        await(
            kv.get(
                pk,
                GetOption.builder()
                    .isPrefix(true)
                    .withSortField(GetOption.SortTarget.MOD)
                    .withSortOrder(GetOption.SortOrder.DESCEND)
                    .build()));
    assertEquals(List.of(p + "b", p + "d", p + "e", p + "a", p + "c"), keys(byModDesc));

    GetResponse keysOnly = await(kv.get(pk, GetOption.builder().isPrefix(true).withKeysOnly(true).build()));
    assertEquals(5, keysOnly.getKvs().size());
    for (KeyValue k : keysOnly.getKvs()) {
      assertTrue(k.getValue().isEmpty(), "keysOnly returns no values");
      assertTrue(k.getModRevision() > 0, "keysOnly still returns revisions");
    }

    GetResponse countOnly = await(kv.get(pk, GetOption.builder().isPrefix(true).withCountOnly(true).build()));
    assertEquals(5, countOnly.getCount());
    assertTrue(countOnly.getKvs().isEmpty());

    GetResponse range = await(kv.get(bs(p + "b"), GetOption.builder().withRange(bs(p + "d")).build()));
    assertEquals(List.of(p + "b", p + "c"), keys(range), "range end is exclusive");

    GetResponse atFirst =
        await(kv.get(pk, GetOption.builder().isPrefix(true).withRevision(firstRev + 1).build()));
    assertEquals(List.of(p + "a", p + "c"), keys(atFirst));
    assertEquals(firstRev + 5, atFirst.getHeader().getRevision(), "the header carries the current revision");

    GetResponse serializable = await(kv.get(bs(p + "a"), GetOption.builder().withSerializable(true).build()));
    assertEquals("3", str(serializable.getKvs().get(0).getValue()));
  }

  @ParameterizedTest
  @MethodSource("io.etcdj.server.process.EtcdProcess#selectedKinds")
  void txnCompareTargetsAndBranches(EtcdProcess.Kind kind) {
    KV kv = kv(kind);
    String p = prefix("txn");
    ByteSequence k = bs(p + "k");
    long rev = await(kv.put(k, bs("v1"))).getHeader().getRevision();

    TxnResponse ok =
        await(
            kv.txn()
                .If(
                    new Cmp(k, Cmp.Op.EQUAL, CmpTarget.value(bs("v1"))),
                    new Cmp(k, Cmp.Op.EQUAL, CmpTarget.version(1)),
                    new Cmp(k, Cmp.Op.EQUAL, CmpTarget.createRevision(rev)),
                    new Cmp(k, Cmp.Op.LESS, CmpTarget.modRevision(rev + 1)))
                .Then(Op.put(k, bs("v2"), PutOption.DEFAULT), Op.get(k, GetOption.DEFAULT))
                .Else(Op.put(k, bs("wrong"), PutOption.DEFAULT))
                .commit());
    assertTrue(ok.isSucceeded());
    assertEquals(rev + 1, ok.getHeader().getRevision(), "a txn takes one revision");
    assertEquals(1, ok.getPutResponses().size());
    assertEquals(1, ok.getGetResponses().size());
    assertEquals("v2", str(ok.getGetResponses().get(0).getKvs().get(0).getValue()), "ops see earlier ops");

    TxnResponse failed =
        await(
            kv.txn()
                .If(new Cmp(k, Cmp.Op.GREATER, CmpTarget.version(5)))
                .Then(Op.put(k, bs("wrong"), PutOption.DEFAULT))
                .Else(
                    Op.delete(k, DeleteOption.builder().withPrevKV(true).build()),
                    Op.txn(
                        new Cmp[] {new Cmp(k, Cmp.Op.EQUAL, CmpTarget.version(0))},
                        new Op[] {Op.put(bs(p + "nested"), bs("n"), PutOption.DEFAULT)},
                        new Op[] {}))
                .commit());
    assertFalse(failed.isSucceeded());
    assertEquals(rev + 2, failed.getHeader().getRevision());
    assertEquals(1, failed.getDeleteResponses().size());
    assertEquals(1, failed.getDeleteResponses().get(0).getDeleted());
    assertEquals("v2", str(failed.getDeleteResponses().get(0).getPrevKvs().get(0).getValue()));
    assertEquals(1, failed.getTxnResponses().size());
    // etcd decides every branch, nested ones included, on the state before the txn (compareToPath), so the nested
    // compare still sees version 2 although the delete before it in the same branch removed the key.
    assertFalse(failed.getTxnResponses().get(0).isSucceeded(), "nested compares see the state before the txn");
    assertEquals(0, await(kv.get(bs(p + "nested"))).getCount());

    // create-if-absent: a missing key has create revision 0, and a VALUE compare against it is false
    TxnResponse absentValue =
        await(kv.txn().If(new Cmp(bs(p + "none"), Cmp.Op.NOT_EQUAL, CmpTarget.value(bs("x")))).commit());
    assertFalse(absentValue.isSucceeded());
    TxnResponse create =
        await(
            kv.txn()
                .If(new Cmp(bs(p + "none"), Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                .Then(Op.put(bs(p + "none"), bs("made"), PutOption.DEFAULT))
                .commit());
    assertTrue(create.isSucceeded());
    assertEquals(rev + 3, create.getHeader().getRevision());

    TxnResponse empty = await(kv.txn().commit());
    assertTrue(empty.isSucceeded());
    assertEquals(rev + 3, empty.getHeader().getRevision(), "a txn that writes nothing keeps the revision");
  }

  @ParameterizedTest
  @MethodSource("io.etcdj.server.process.EtcdProcess#selectedKinds")
  void compactAndRevisionErrors(EtcdProcess.Kind kind) {
    KV kv = kv(kind);
    String p = prefix("compact");
    ByteSequence k = bs(p + "k");
    long r1 = await(kv.put(k, bs("1"))).getHeader().getRevision();
    long r2 = await(kv.put(k, bs("2"))).getHeader().getRevision();
    long r3 = await(kv.put(k, bs("3"))).getHeader().getRevision();

    assertEtcdError(
        Status.Code.OUT_OF_RANGE, FUTURE_REV, kv.get(k, GetOption.builder().withRevision(r3 + 100).build()));
    assertEtcdError(Status.Code.OUT_OF_RANGE, FUTURE_REV, kv.compact(r3 + 100));

    assertNotNull(await(kv.compact(r2, CompactOption.builder().withCompactPhysical(true).build())).getHeader());
    assertEtcdError(Status.Code.OUT_OF_RANGE, COMPACTED, kv.get(k, GetOption.builder().withRevision(r1).build()));
    assertEquals("2", str(await(kv.get(k, GetOption.builder().withRevision(r2).build())).getKvs().get(0).getValue()));
    assertEtcdError(Status.Code.OUT_OF_RANGE, COMPACTED, kv.compact(r2));
    assertEtcdError(Status.Code.OUT_OF_RANGE, COMPACTED, kv.compact(r1));
    assertEquals(r3, await(kv.get(k)).getHeader().getRevision(), "compaction does not raise the revision");
  }

  @ParameterizedTest
  @MethodSource("io.etcdj.server.process.EtcdProcess#selectedKinds")
  void requestErrors(EtcdProcess.Kind kind) {
    KV kv = kv(kind);
    String p = prefix("errors");
    assertEtcdError(
        Status.Code.NOT_FOUND,
        "etcdserver: requested lease not found",
        kv.put(bs(p + "k"), bs("v"), PutOption.builder().withLeaseId(0x1234).build()));
    assertEtcdError(Status.Code.INVALID_ARGUMENT, "etcdserver: key is not provided", kv.put(bs(""), bs("v")));
    assertEtcdError(
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: duplicate key given in txn request",
        kv.txn()
            .Then(Op.put(bs(p + "d"), bs("1"), PutOption.DEFAULT), Op.put(bs(p + "d"), bs("2"), PutOption.DEFAULT))
            .commit());
    assertEtcdError(
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: duplicate key given in txn request",
        kv.txn()
            .Then(
                Op.delete(bs(p), DeleteOption.builder().isPrefix(true).build()),
                Op.put(bs(p + "x"), bs("1"), PutOption.DEFAULT))
            .commit());
    List<Op> many = new ArrayList<>();
    for (int i = 0; i < 129; i++) {
      many.add(Op.put(bs(p + "many/" + i), bs("v"), PutOption.DEFAULT));
    }
    assertEtcdError(
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: too many operations in txn request",
        kv.txn().Then(many.toArray(new Op[0])).commit());
    assertEquals(0, await(kv.get(bs(p), GetOption.builder().isPrefix(true).build())).getCount(), "nothing written");
  }
}
