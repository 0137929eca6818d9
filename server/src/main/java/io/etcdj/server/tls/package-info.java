/**
 * TLS on the client port (and, with issue 16's next step, the peer port), as etcd's
 * {@code pkg/transport} sets it up: {@link io.etcdj.server.tls.TlsInfo} holds one side's flags,
 * {@link io.etcdj.server.tls.ServerTls} turns them into JSSE engines (TLS 1.2 at least, the
 * certificate re-read when its files change, client certificates verified and held to the allowed
 * CN or host name, the CRL checked), and {@link io.etcdj.server.tls.TlsStage} puts TLS in front of
 * a connection's protocol sniffer, sharing a port with cleartext when both schemes list it.
 * Files are read with {@code io.etcdj.pki}, so errors carry Go's texts.
 */
package io.etcdj.server.tls;
