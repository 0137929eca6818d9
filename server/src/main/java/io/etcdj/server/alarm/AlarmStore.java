package io.etcdj.server.alarm;

import io.etcdj.api.etcdserverpb.AlarmMember;
import io.etcdj.api.etcdserverpb.AlarmRequest;
import io.etcdj.api.etcdserverpb.AlarmResponse;
import io.etcdj.api.etcdserverpb.AlarmType;
import io.etcdj.server.errors.EtcdError;
import io.etcdj.storage.mvcc.KV;
import io.etcdj.storage.mvcc.WriteBatch;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The active alarms of the cluster (etcd's {@code v3alarm.AlarmStore}): one entry per (member,
 * alarm type), changed only by applying Alarm entries of the log, persisted in the backend's alarm
 * bucket in the same batch as the entry, and rebuilt from the store at start-up and after a
 * snapshot install.
 *
 * <p>Threading: {@link #apply} and {@link #load} on the apply thread (or single-threaded at
 * start-up); the getters from any thread, reading an immutable list published after each change.
 */
public final class AlarmStore {
  private static final Logger LOG = LoggerFactory.getLogger(AlarmStore.class);

  /**
   * The most alarms held at once. etcd accepts any member id in an ACTIVATE request, so without a
   * bound a client could grow the set without end; real clusters hold a handful.
   */
  public static final int ALARMS_MAX = 1_024;

  private static final int KEY_BYTES = Long.BYTES + Integer.BYTES;

  /** Ordered by alarm type, then member id (unsigned), so every member lists them alike. */
  private static final Comparator<AlarmMember> ORDER =
      Comparator.comparingInt(AlarmMember::getAlarmValue)
          .thenComparing((a, b) -> Long.compareUnsigned(a.getMemberID(), b.getMemberID()));

  private volatile List<AlarmMember> active = List.of();

  /** Replaces the set with what the store holds (start-up, snapshot install). */
  public void load(KV kv) {
    List<AlarmMember> loaded = new ArrayList<>();
    kv.forEachAlarm(key -> loaded.add(parse(key)));
    loaded.sort(ORDER);
    active = List.copyOf(loaded);
    if (!loaded.isEmpty()) {
      LOG.info("restored {} active alarms: {}", loaded.size(), loaded.stream().map(AlarmStore::text).toList());
    }
  }

  /** Every active alarm, ordered by type then member id. */
  public List<AlarmMember> active() {
    return active;
  }

  /** The active alarms of {@code type}; {@link AlarmType#NONE} means all of them (as etcd). */
  public List<AlarmMember> get(int typeValue) {
    List<AlarmMember> all = active;
    if (typeValue == AlarmType.NONE_VALUE) {
      return all;
    }
    List<AlarmMember> out = new ArrayList<>();
    for (AlarmMember m : all) {
      if (m.getAlarmValue() == typeValue) {
        out.add(m);
      }
    }
    return out;
  }

  /** True while an alarm of {@code type} is active for some member. */
  public boolean has(AlarmType type) {
    for (AlarmMember m : active) {
      if (m.getAlarmValue() == type.getNumber()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Applies one Alarm entry (etcd's {@code applierV3backend.Alarm}): ACTIVATE answers the alarm,
   * new or already active; DEACTIVATE answers the alarm it cleared, or nothing; GET answers the
   * alarms of the type. The change goes into {@code batch}. Apply thread only.
   *
   * @throws io.etcdj.server.errors.EtcdException TOO_MANY_ALARMS when a new alarm would exceed
   *     {@link #ALARMS_MAX}; nothing changes then
   */
  public AlarmResponse apply(WriteBatch batch, AlarmRequest r) {
    AlarmResponse.Builder resp = AlarmResponse.newBuilder();
    switch (r.getAction()) {
      case GET -> resp.addAllAlarms(get(r.getAlarmValue()));
      case ACTIVATE -> resp.addAlarms(activate(batch, r.getMemberID(), r.getAlarmValue()));
      case DEACTIVATE -> {
        AlarmMember m = deactivate(batch, r.getMemberID(), r.getAlarmValue());
        if (m != null) {
          resp.addAlarms(m);
        }
      }
      default -> { } // an action this version does not know: etcd answers nothing as well
    }
    return resp.build();
  }

  private AlarmMember activate(WriteBatch batch, long memberId, int typeValue) {
    List<AlarmMember> all = active;
    for (AlarmMember m : all) {
      if (m.getMemberID() == memberId && m.getAlarmValue() == typeValue) {
        return m;
      }
    }
    if (all.size() >= ALARMS_MAX) {
      throw EtcdError.TOO_MANY_ALARMS.exception();
    }
    AlarmMember m = AlarmMember.newBuilder().setMemberID(memberId).setAlarmValue(typeValue).build();
    batch.putAlarm(key(memberId, typeValue));
    boolean first = get(typeValue).isEmpty();
    List<AlarmMember> next = new ArrayList<>(all);
    next.add(m);
    next.sort(ORDER);
    active = List.copyOf(next);
    if (first) {
      if (typeValue == AlarmType.NOSPACE_VALUE || typeValue == AlarmType.CORRUPT_VALUE) {
        LOG.warn("alarm {} raised by peer {}", typeName(typeValue), Long.toHexString(memberId));
      } else {
        LOG.warn("unimplemented alarm activation ({})", text(m));
      }
    }
    return m;
  }

  private AlarmMember deactivate(WriteBatch batch, long memberId, int typeValue) {
    List<AlarmMember> all = active;
    AlarmMember found = null;
    List<AlarmMember> next = new ArrayList<>(all.size());
    for (AlarmMember m : all) {
      if (found == null && m.getMemberID() == memberId && m.getAlarmValue() == typeValue) {
        found = m;
      } else {
        next.add(m);
      }
    }
    if (found == null) {
      return null;
    }
    batch.deleteAlarm(key(memberId, typeValue));
    active = List.copyOf(next);
    if (get(typeValue).isEmpty()) {
      if (typeValue == AlarmType.NOSPACE_VALUE || typeValue == AlarmType.CORRUPT_VALUE) {
        LOG.info("alarm disarmed action:DEACTIVATE {}", text(found));
      } else {
        LOG.warn("unimplemented alarm deactivation ({})", text(found));
      }
    }
    return found;
  }

  /**
   * An alarm as etcd prints it (Go's compact text form of {@code AlarmMember}, as in Status's
   * errors and {@code etcdctl alarm list}): {@code memberID:<decimal> alarm:<NAME> }, each field
   * left out when zero.
   */
  public static String text(AlarmMember m) {
    StringBuilder b = new StringBuilder();
    if (m.getMemberID() != 0) {
      b.append("memberID:").append(Long.toUnsignedString(m.getMemberID())).append(' ');
    }
    if (m.getAlarmValue() != 0) {
      b.append("alarm:").append(typeName(m.getAlarmValue())).append(' ');
    }
    return b.toString();
  }

  private static String typeName(int typeValue) {
    AlarmType t = AlarmType.forNumber(typeValue);
    return t == null ? Integer.toString(typeValue) : t.name();
  }

  /** The alarm bucket's key: member id then type number, big-endian. */
  static byte[] key(long memberId, int typeValue) {
    return ByteBuffer.allocate(KEY_BYTES).putLong(memberId).putInt(typeValue).array();
  }

  /** The alarm an alarm bucket key names (a snapshot for a client writes it in etcd's form). */
  public static AlarmMember parse(byte[] key) {
    if (key.length != KEY_BYTES) {
      throw new IllegalStateException("alarm bucket key of " + key.length + " bytes");
    }
    ByteBuffer b = ByteBuffer.wrap(key);
    return AlarmMember.newBuilder().setMemberID(b.getLong()).setAlarmValue(b.getInt()).build();
  }
}
