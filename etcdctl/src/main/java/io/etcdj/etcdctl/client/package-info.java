/**
 * etcdctl's gRPC client: channels per endpoint, the pick of a connected endpoint (clientv3's
 * failover over {@code --endpoints}), and errors told as clientv3 tells them (the retry
 * interceptor's warning line on stderr, then {@code Error: <text>}). Calls use the project's
 * generated stubs, so {@code -w json|fields|protobuf} print exactly the fields on the wire.
 *
 * <p>Blocking calls run on the command's thread; stream callbacks on gRPC's.
 */
package io.etcdj.etcdctl.client;
