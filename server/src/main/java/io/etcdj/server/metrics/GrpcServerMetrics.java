package io.etcdj.server.metrics;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.concurrent.ConcurrentHashMap;

/**
 * go-grpc-prometheus's server metrics, which etcd registers on its gRPC server: {@code
 * grpc_server_started_total}, {@code _handled_total} (with {@code grpc_code}), {@code
 * _msg_received_total} and {@code _msg_sent_total}, labelled by {@code grpc_type} (unary,
 * client_stream, server_stream, bidi_stream), {@code grpc_service} ("etcdserverpb.KV") and {@code
 * grpc_method}; with {@code --metrics extensive} also {@code grpc_server_handling_seconds}.
 *
 * <p>As go-grpc-prometheus's {@code Register}, every method of the served services starts at 0
 * for every code. Each method's data points are looked up once, so a call costs a map lookup and a
 * few atomic adds; no lock, no allocation beyond the call wrappers.
 */
public final class GrpcServerMetrics {
  /** Go's names of the gRPC codes, indexed by {@link Status.Code#value()}. */
  static final String[] GO_CODES = {
    "OK",
    "Canceled",
    "Unknown",
    "InvalidArgument",
    "DeadlineExceeded",
    "NotFound",
    "AlreadyExists",
    "PermissionDenied",
    "ResourceExhausted",
    "FailedPrecondition",
    "Aborted",
    "OutOfRange",
    "Unimplemented",
    "Internal",
    "Unavailable",
    "DataLoss",
    "Unauthenticated"
  };

  /** Prometheus's default buckets, which go-grpc-prometheus uses for handling time. */
  static final double[] HANDLING_BUCKETS = {
    .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10
  };

  private final Counter started;
  private final Counter handled;
  private final Counter received;
  private final Counter sent;
  private final Histogram handling; // null unless extensive
  private final ConcurrentHashMap<String, MethodPoints> methods = new ConcurrentHashMap<>();
  private final ServerInterceptor interceptor = new Interceptor();

  GrpcServerMetrics(PrometheusRegistry registry, boolean extensive) {
    String[] labels = {"grpc_type", "grpc_service", "grpc_method"};
    started =
        Counter.builder()
            .name("grpc_server_started_total")
            .help("Total number of RPCs started on the server.")
            .labelNames(labels)
            .withoutExemplars()
            .register(registry);
    handled =
        Counter.builder()
            .name("grpc_server_handled_total")
            .help("Total number of RPCs completed on the server, regardless of success or failure.")
            .labelNames("grpc_type", "grpc_service", "grpc_method", "grpc_code")
            .withoutExemplars()
            .register(registry);
    received =
        Counter.builder()
            .name("grpc_server_msg_received_total")
            .help("Total number of RPC stream messages received on the server.")
            .labelNames(labels)
            .withoutExemplars()
            .register(registry);
    sent =
        Counter.builder()
            .name("grpc_server_msg_sent_total")
            .help("Total number of gRPC stream messages sent by the server.")
            .labelNames(labels)
            .withoutExemplars()
            .register(registry);
    handling =
        extensive
            ? Histogram.builder()
                .name("grpc_server_handling_seconds")
                .help(
                    "Histogram of response latency (seconds) of gRPC that had been application-level"
                        + " handled by the server.")
                .labelNames(labels)
                .classicUpperBounds(HANDLING_BUCKETS)
                .classicOnly()
                .withoutExemplars()
                .register(registry)
            : null;
  }

  /** The interceptor to put on every client-port gRPC server. */
  public ServerInterceptor interceptor() {
    return interceptor;
  }

  /** Starts every method of {@code service} at 0, as go-grpc-prometheus's Register does. */
  public void preRegister(ServerServiceDefinition service) {
    for (ServerMethodDefinition<?, ?> m : service.getMethods()) {
      points(m.getMethodDescriptor());
    }
  }

  /** go-grpc-prometheus's grpc_type label of a method. */
  static String type(MethodDescriptor.MethodType type) {
    return switch (type) {
      case UNARY -> "unary";
      case CLIENT_STREAMING -> "client_stream";
      case SERVER_STREAMING -> "server_stream";
      default -> "bidi_stream";
    };
  }

  private MethodPoints points(MethodDescriptor<?, ?> method) {
    MethodPoints p = methods.get(method.getFullMethodName());
    if (p == null) {
      p = methods.computeIfAbsent(method.getFullMethodName(), k -> new MethodPoints(method));
    }
    return p;
  }

  /** One method's data points, resolved once. */
  private final class MethodPoints {
    final CounterDataPoint started;
    final CounterDataPoint received;
    final CounterDataPoint sent;
    final CounterDataPoint[] handled = new CounterDataPoint[GO_CODES.length];
    final DistributionDataPoint handling;

    MethodPoints(MethodDescriptor<?, ?> method) {
      String type = type(method.getType());
      String service = method.getServiceName();
      String name = method.getBareMethodName();
      started = GrpcServerMetrics.this.started.labelValues(type, service, name);
      received = GrpcServerMetrics.this.received.labelValues(type, service, name);
      sent = GrpcServerMetrics.this.sent.labelValues(type, service, name);
      for (int i = 0; i < GO_CODES.length; i++) {
        handled[i] = GrpcServerMetrics.this.handled.labelValues(type, service, name, GO_CODES[i]);
      }
      handling =
          GrpcServerMetrics.this.handling == null
              ? null
              : GrpcServerMetrics.this.handling.labelValues(type, service, name);
    }
  }

  private final class Interceptor implements ServerInterceptor {
    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
      if (call.getMethodDescriptor().getType() == io.grpc.MethodDescriptor.MethodType.UNKNOWN) {
        // A method nobody serves (its name is the client's invention): not counted, as in etcd,
        // whose grpc-go answers those before any interceptor, and no series per invented name.
        return next.startCall(call, headers);
      }
      MethodPoints p = points(call.getMethodDescriptor());
      long startNanos = p.handling == null ? 0 : System.nanoTime();
      p.started.inc();
      // A call ends either by close or, when the client goes away first, by onCancel: count it
      // once, as go-grpc-prometheus counts a handler's return (Canceled for a dropped stream).
      java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
      ServerCall<Q, A> counted =
          new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void sendMessage(A message) {
              super.sendMessage(message);
              p.sent.inc();
            }

            @Override
            public void close(Status status, Metadata trailers) {
              if (done.compareAndSet(false, true)) {
                handled(p, status.getCode(), startNanos);
              }
              super.close(status, trailers);
            }
          };
      return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
          next.startCall(counted, headers)) {
        @Override
        public void onMessage(Q message) {
          p.received.inc();
          super.onMessage(message);
        }

        @Override
        public void onCancel() {
          if (done.compareAndSet(false, true)) {
            handled(p, Status.Code.CANCELLED, startNanos);
          }
          super.onCancel();
        }
      };
    }

    private void handled(MethodPoints p, Status.Code code, long startNanos) {
      p.handled[code.value()].inc();
      if (p.handling != null) {
        p.handling.observe((System.nanoTime() - startNanos) / 1e9);
      }
    }
  }
}
