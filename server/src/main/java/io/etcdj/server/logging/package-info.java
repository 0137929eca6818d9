/**
 * etcd 3.4's two log formats on logback, set up in code from the {@code --logger}, {@code
 * --log-outputs} and {@code --log-level} flags (no XML file to edit): {@link ZapEncoder} writes
 * zap's JSON lines ({@code {"level","ts","caller","msg",fields...}}), {@link CapnslogEncoder}
 * writes capnslog's {@code date time L | pkg: text} lines (and raft's {@code raftYYYY/MM/DD}
 * lines), the 3.4 default. Code logs through slf4j; etcd's structured fields are slf4j key/value
 * pairs, and a lifecycle line that capnslog words differently from zap carries its capnslog text
 * under {@link Capnslog#TEXT}.
 *
 * <p>Threading: {@link EtcdLogging#configure} runs once on the main thread before the server
 * starts; the encoders are called under logback's appender lock from any thread.
 */
package io.etcdj.server.logging;
