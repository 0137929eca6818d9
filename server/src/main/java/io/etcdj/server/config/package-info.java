/**
 * etcd's flags and {@code ETCD_*} environment variables parsed into an immutable, validated
 * {@link io.etcdj.server.config.ServerConfig}. Used once at start-up.
 */
package io.etcdj.server.config;
