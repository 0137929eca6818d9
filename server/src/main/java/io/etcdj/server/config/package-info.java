/**
 * etcd's flags and {@code ETCD_*} environment variables parsed into an immutable, validated
 * {@link io.etcdj.server.config.ServerConfig}. Used once at start-up, on the main thread. The
 * command line goes through {@link io.etcdj.server.config.GoFlagSet}, Go's {@code flag} package
 * rules over the table in {@link io.etcdj.server.config.Flags} (etcd 3.4's etcdmain/config.go),
 * with Go's {@code strconv} number and bool syntax ({@link io.etcdj.server.config.GoStrconv}).
 */
package io.etcdj.server.config;
