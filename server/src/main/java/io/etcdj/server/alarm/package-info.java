/**
 * Alarms and the backend quota (etcd's {@code etcdserver/api/v3alarm}, {@code etcdserver/quota.go},
 * the quota wrappers of {@code v3rpc/quota.go} and the capped and corrupt appliers of {@code
 * etcdserver/apply.go}).
 *
 * <p>What it owns: the set of active alarms ({@link io.etcdj.server.alarm.AlarmStore}), kept in the
 * backend's alarm bucket; the rules that refuse writes while an alarm is active ({@link
 * io.etcdj.server.alarm.AlarmGate}); the quota and its cost model ({@link
 * io.etcdj.server.alarm.BackendQuota}); and the narrow API other parts use to raise or read alarms
 * ({@link io.etcdj.server.alarm.Alarms}).
 *
 * <p>Threading: alarms change only through the Raft log, so every member holds the same set. The
 * apply thread is the only writer of the store; any thread reads the immutable list it publishes.
 * Raising an alarm proposes an entry and never blocks the caller.
 */
package io.etcdj.server.alarm;
