/**
 * Transport security as etcdctl 3.4.23 sets it up (ctlv3 global.go newClientCfg, pkg/transport
 * TLSInfo.ClientConfig, pkg/tlsutil, clientv3's per-scheme credentials) and Go's crypto/tls reads
 * its files: PEM decoding, private keys in PKCS#8, PKCS#1 and SEC1 (wrapped into PKCS#8 here, so the
 * JDK's KeyFactory reads them without BouncyCastle), CA bundles, and the server certificate checks
 * with Go's error texts ({@code x509: ...}) so failures read as stock's.
 *
 * <p>Everything here runs once per command while the client is built, except the trust manager,
 * which runs on a connect thread during each handshake.
 */
package io.etcdj.etcdctl.client.tls;
