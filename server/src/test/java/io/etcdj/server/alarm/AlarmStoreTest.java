package io.etcdj.server.alarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcdj.api.etcdserverpb.AlarmMember;
import io.etcdj.api.etcdserverpb.AlarmRequest;
import io.etcdj.api.etcdserverpb.AlarmRequest.AlarmAction;
import io.etcdj.api.etcdserverpb.AlarmResponse;
import io.etcdj.api.etcdserverpb.AlarmType;
import io.etcdj.server.errors.EtcdError;
import io.etcdj.server.errors.EtcdException;
import io.etcdj.storage.mvcc.KV;
import io.etcdj.storage.mvcc.KvStores;
import io.etcdj.storage.mvcc.WriteBatch;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The alarm state machine (etcd's v3alarm store and applierV3backend.Alarm) over an in-memory store. */
class AlarmStoreTest {
  private final KV kv = KvStores.openInMemory();
  private final AlarmStore store = new AlarmStore();

  @AfterEach
  void close() {
    kv.close();
  }

  private AlarmResponse apply(AlarmAction action, long member, AlarmType type) {
    try (WriteBatch batch = kv.beginBatch()) {
      AlarmResponse r =
          store.apply(batch, AlarmRequest.newBuilder().setAction(action).setMemberID(member).setAlarm(type).build());
      batch.commit();
      return r;
    }
  }

  private static AlarmMember m(long member, AlarmType type) {
    return AlarmMember.newBuilder().setMemberID(member).setAlarm(type).build();
  }

  @Test
  void activateAnswersTheAlarmNewOrAlreadyActive() {
    assertEquals(List.of(m(5, AlarmType.NOSPACE)), apply(AlarmAction.ACTIVATE, 5, AlarmType.NOSPACE).getAlarmsList());
    assertEquals(List.of(m(5, AlarmType.NOSPACE)), apply(AlarmAction.ACTIVATE, 5, AlarmType.NOSPACE).getAlarmsList());
    assertEquals(List.of(m(5, AlarmType.NOSPACE)), store.active());
    assertTrue(store.has(AlarmType.NOSPACE));
    assertFalse(store.has(AlarmType.CORRUPT));
  }

  @Test
  void deactivateAnswersWhatItClearedOrNothing() {
    apply(AlarmAction.ACTIVATE, 5, AlarmType.NOSPACE);
    assertEquals(AlarmResponse.getDefaultInstance(), apply(AlarmAction.DEACTIVATE, 6, AlarmType.NOSPACE));
    assertEquals(AlarmResponse.getDefaultInstance(), apply(AlarmAction.DEACTIVATE, 5, AlarmType.CORRUPT));
    assertEquals(List.of(m(5, AlarmType.NOSPACE)), apply(AlarmAction.DEACTIVATE, 5, AlarmType.NOSPACE).getAlarmsList());
    assertEquals(List.of(), store.active());
    assertEquals(AlarmResponse.getDefaultInstance(), apply(AlarmAction.DEACTIVATE, 5, AlarmType.NOSPACE));
  }

  @Test
  void getFiltersByTypeAndNoneMeansAllOrderedByTypeThenUnsignedMember() {
    apply(AlarmAction.ACTIVATE, -1L, AlarmType.NOSPACE); // the largest unsigned id
    apply(AlarmAction.ACTIVATE, 9, AlarmType.CORRUPT);
    apply(AlarmAction.ACTIVATE, 3, AlarmType.NOSPACE);
    List<AlarmMember> all = List.of(m(3, AlarmType.NOSPACE), m(-1L, AlarmType.NOSPACE), m(9, AlarmType.CORRUPT));
    assertEquals(all, store.get(AlarmType.NONE_VALUE));
    assertEquals(all, apply(AlarmAction.GET, 0, AlarmType.NONE).getAlarmsList());
    assertEquals(List.of(m(9, AlarmType.CORRUPT)), store.get(AlarmType.CORRUPT_VALUE));
    assertEquals(List.of(m(3, AlarmType.NOSPACE), m(-1L, AlarmType.NOSPACE)), store.get(AlarmType.NOSPACE_VALUE));
  }

  @Test
  void alarmsAreInTheStoreAndLoadBackIncludingThroughASnapshot() throws Exception {
    apply(AlarmAction.ACTIVATE, 7, AlarmType.CORRUPT);
    apply(AlarmAction.ACTIVATE, 8, AlarmType.NOSPACE);
    apply(AlarmAction.DEACTIVATE, 7, AlarmType.CORRUPT);
    AlarmStore reloaded = new AlarmStore();
    reloaded.load(kv);
    assertEquals(List.of(m(8, AlarmType.NOSPACE)), reloaded.active());

    ByteArrayOutputStream dump = new ByteArrayOutputStream();
    try (var snap = kv.snapshot(); var in = snap.data()) {
      in.transferTo(dump);
    }
    try (KV other = KvStores.openInMemory()) {
      other.restore(new java.io.ByteArrayInputStream(dump.toByteArray()));
      AlarmStore installed = new AlarmStore();
      installed.load(other);
      assertEquals(List.of(m(8, AlarmType.NOSPACE)), installed.active());
    }
  }

  @Test
  void theSetIsBoundedAndARefusedActivationChangesNothing() {
    for (int i = 0; i < AlarmStore.ALARMS_MAX; i++) {
      apply(AlarmAction.ACTIVATE, i + 1, AlarmType.NOSPACE);
    }
    EtcdException e = assertThrows(EtcdException.class, () -> apply(AlarmAction.ACTIVATE, 0, AlarmType.CORRUPT));
    assertEquals(EtcdError.TOO_MANY_ALARMS, e.error());
    assertEquals(AlarmStore.ALARMS_MAX, store.active().size());
    assertFalse(store.has(AlarmType.CORRUPT));
    assertEquals(List.of(m(1, AlarmType.NOSPACE)), apply(AlarmAction.ACTIVATE, 1, AlarmType.NOSPACE).getAlarmsList());
  }

  @Test
  void textIsGosCompactFormWithZeroFieldsLeftOut() {
    assertEquals("memberID:18179119080509811048 alarm:NOSPACE ", AlarmStore.text(m(0xfc49347c93502968L, AlarmType.NOSPACE)));
    assertEquals("memberID:3 alarm:CORRUPT ", AlarmStore.text(m(3, AlarmType.CORRUPT)));
    assertEquals("alarm:NOSPACE ", AlarmStore.text(m(0, AlarmType.NOSPACE)));
    assertEquals("memberID:3 ", AlarmStore.text(m(3, AlarmType.NONE)));
  }
}
