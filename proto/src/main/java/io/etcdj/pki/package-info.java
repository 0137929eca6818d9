/**
 * etcd's certificate and key files as Go reads them (pkg/tlsutil, crypto/tls, crypto/x509): PEM
 * decoding, private keys in PKCS#8, PKCS#1 and SEC1 (wrapped into PKCS#8, so the JDK's KeyFactory
 * reads them without BouncyCastle), CA bundles, and certificate checks with Go's error texts
 * ({@code x509: ...}, {@code tls: ...}, {@code open ...: no such file or directory}).
 *
 * <p>It lives in the proto module because both the server (its {@code --cert-file} family of
 * flags) and etcdctl (its {@code --cert/--key/--cacert}) read these files the same way, and this
 * is the module both already depend on; it needs nothing but the JDK.
 */
package io.etcdj.pki;
