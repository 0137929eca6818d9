/**
 * Transport security as etcdctl 3.4.23 sets it up (ctlv3 global.go newClientCfg, pkg/transport
 * TLSInfo.ClientConfig, clientv3's per-scheme credentials). Reading the files and checking the
 * server's certificate with Go's texts is {@code io.etcdj.pki}'s, shared with the server.
 *
 * <p>Everything here runs once per command while the client is built, except the trust manager,
 * which runs on a connect thread during each handshake.
 */
package io.etcdj.etcdctl.client.tls;
