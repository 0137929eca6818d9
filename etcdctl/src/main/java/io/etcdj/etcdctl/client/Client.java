package io.etcdj.etcdctl.client;

import io.etcdj.api.etcdserverpb.AuthGrpc;
import io.etcdj.api.etcdserverpb.AuthenticateRequest;
import io.etcdj.api.etcdserverpb.ClusterGrpc;
import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.LeaseGrpc;
import io.etcdj.api.etcdserverpb.MaintenanceGrpc;
import io.etcdj.etcdctl.cli.CtlException;
import io.etcdj.etcdctl.cli.ExitCode;
import io.etcdj.etcdctl.cli.GlobalOptions;
import io.etcdj.etcdctl.cli.Invocation;
import io.etcdj.etcdctl.print.Zap;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ConnectivityState;
import io.grpc.Deadline;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.etcdj.etcdctl.client.h2.H2Channel;
import io.etcdj.etcdctl.client.h2.H2Options;
import io.etcdj.etcdctl.client.tls.ClientTls;
import io.etcdj.pki.GoTlsException;
import javax.net.ssl.SSLContext;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * etcdctl's connection to the cluster: one gRPC channel per endpoint (cleartext or TLS as
 * {@link ClientTls} decides), opened lazily, on
 * the lean HTTP/2 transport ({@link H2Channel}: no grpc-core, no netty, so a command starts in a
 * fraction of the time). A
 * call goes to the first endpoint (in {@code --endpoints} order) that is connected, waiting for
 * one up to the call's deadline, so a dead endpoint in the list is passed over as clientv3's
 * balancer passes it over. Failed unary calls print clientv3's retry-interceptor warning line and
 * end the command with clientv3's error text ({@link GoErrors}).
 *
 * <p>Used by the command's thread; stream callbacks run on the channel's callback thread.
 */
public final class Client implements AutoCloseable {
  /** clientv3's default receive limit is math.MaxInt32: range responses may be large. */
  static final int RESPONSE_BYTES_MAX = Integer.MAX_VALUE;
  /** What clientv3 3.4's grpc-go says it is. */
  static final String USER_AGENT = "grpc-go/1.26.0";


  private final GlobalOptions opts;
  private final PrintStream err;
  private final List<Endpoints.Target> targets = new ArrayList<>();
  private final ClientTls tls;
  private final Map<ChannelKey, H2Channel> channels = new LinkedHashMap<>();
  private final String clientId = UUID.randomUUID().toString();
  private volatile String token;

  /** Channels are per endpoint and per TLS setting: a direct dial may differ from the balancer's. */
  private record ChannelKey(String endpoint, SSLContext tls) {}

  private Client(GlobalOptions opts, PrintStream err, ClientTls tls) {
    this.opts = opts;
    this.err = err;
    this.tls = tls;
    for (String ep : opts.endpoints()) {
      targets.add(Endpoints.parse(ep));
    }
  }

  /** The factory {@link Invocation#client()} uses. */
  public static Client open(Invocation inv) {
    GlobalOptions g = inv.global();
    ClientTls tls;
    try {
      tls = ClientTls.of(g.cert(), g.key(), g.cacert(), g.insecureTransport(), g.insecureSkipVerify());
    } catch (GoTlsException e) {
      throw new CtlException(ExitCode.BAD_ARGS, e.getMessage());
    }
    if (g.endpoints().isEmpty()) {
      throw new CtlException(ExitCode.BAD_CONNECTION, "at least one Endpoint must is required in client config");
    }
    Client c = new Client(g, inv.err(), tls);
    try {
      c.authenticate();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CtlException(ExitCode.INTERRUPTED, "interrupted");
    } catch (RuntimeException e) {
      c.close();
      throw e;
    }
    return c;
  }

  /**
   * clientv3's dial-time authentication: with a user and a non-empty password, get a token
   * (within the dial timeout) and send it with every call. A server without auth enabled is not an
   * error; any other failure ends the command as a failed connection (exit code 2).
   */
  private void authenticate() throws InterruptedException {
    if (opts.user().isEmpty() || opts.password().isEmpty()) {
      return;
    }
    Deadline d = Deadline.after(opts.dialTimeoutNanos(), TimeUnit.NANOSECONDS);
    AuthenticateRequest req = AuthenticateRequest.newBuilder().setName(opts.user()).setPassword(opts.password()).build();
    try {
      token(auth(d).authenticate(req).getToken());
    } catch (StatusRuntimeException e) {
      warn(e.getStatus());
      if (!"etcdserver: authentication is not enabled".equals(e.getStatus().getDescription())) {
        throw new CtlException(ExitCode.BAD_CONNECTION, GoErrors.clientError(e));
      }
    }
  }

  /**
   * A client of one other cluster with this run's dial and keep-alive options, the given TLS and
   * no credentials (make-mirror's destination).
   */
  public static Client to(GlobalOptions g, String endpoint, PrintStream err, ClientTls tls) {
    GlobalOptions o =
        new GlobalOptions(
            List.of(endpoint), g.dialTimeoutNanos(), g.commandTimeoutNanos(), g.keepAliveTimeNanos(),
            g.keepAliveTimeoutNanos(), true, false, "", "", "", "", "", "", "", g.insecureDiscovery(), g.format(), g.hex(),
            g.debug());
    return new Client(o, err, tls);
  }

  public GlobalOptions options() {
    return opts;
  }

  public List<Endpoints.Target> targets() {
    return targets;
  }

  /** grpc-go's cc.Target() for clientv3 3.4: a per-client resolver name and the first endpoint. */
  public String goTarget() {
    return "endpoint://client-" + clientId + "/" + targets.get(0).hostPort();
  }

  /** Sets the auth token sent as {@code token} metadata on every call. */
  public void token(String t) {
    this.token = t;
  }

  // ---- channels ----

  /**
   * The channel of one endpoint (endpoint commands, defrag and per-member calls), secured as its
   * own scheme says (clientv3's Dial and a client of its own both go by the endpoint's scheme).
   */
  public synchronized Channel channelFor(String endpoint) {
    return withToken(managed(endpoint, tls.forScheme(Endpoints.parse(endpoint).scheme())));
  }

  private synchronized H2Channel managed(String endpoint, SSLContext security) {
    ChannelKey key = new ChannelKey(endpoint, security);
    H2Channel ch = channels.get(key);
    if (ch == null) {
      Endpoints.Target t = Endpoints.parse(endpoint);
      ch = H2Channel.open(t.host(), t.port(), h2Options(), security);
      channels.put(key, ch);
    }
    return ch;
  }

  /** grpc clients raise a keepalive time below 10 s to 10 s (servers refuse faster pings). */
  private H2Options h2Options() {
    long keepAlive = opts.keepAliveTimeNanos();
    if (keepAlive > 0 && keepAlive != Long.MAX_VALUE) {
      keepAlive = Math.max(keepAlive, H2Options.KEEPALIVE_TIME_MIN_NANOS);
    }
    return new H2Options(
        Math.max(0, opts.dialTimeoutNanos()), keepAlive, Math.max(0, opts.keepAliveTimeoutNanos()), RESPONSE_BYTES_MAX,
        USER_AGENT);
  }

  /**
   * A channel to a connected endpoint: the first READY one in order, else the first to become
   * READY before the deadline; when none does, the first endpoint (the call then fails with its
   * deadline, as clientv3's does).
   */
  public Channel channel(Deadline deadline) throws InterruptedException {
    if (targets.size() == 1) {
      return channelFor(targets.get(0).text());
    }
    // clientv3's balancer secures every endpoint as the first endpoint's scheme says.
    SSLContext security = tls.forScheme(targets.get(0).scheme());
    List<H2Channel> all = new ArrayList<>();
    for (Endpoints.Target t : targets) {
      all.add(managed(t.text(), security));
    }
    while (true) {
      for (int i = 0; i < all.size(); i++) {
        if (all.get(i).state(true) == ConnectivityState.READY) {
          return withToken(all.get(i));
        }
      }
      long left = deadline.timeRemaining(TimeUnit.NANOSECONDS);
      if (left <= 0) {
        return withToken(all.get(0));
      }
      CountDownLatch changed = new CountDownLatch(1);
      for (H2Channel ch : all) {
        ch.notifyWhenStateChanged(ch.state(false), changed::countDown);
      }
      changed.await(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)), TimeUnit.NANOSECONDS);
    }
  }

  private Channel withToken(H2Channel ch) {
    return ClientInterceptors.intercept(ch, new TokenInterceptor());
  }

  private final class TokenInterceptor implements ClientInterceptor {
    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
      return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
        @Override
        public void start(Listener<R> listener, Metadata headers) {
          String t = token;
          if (t != null) {
            headers.put(Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER), t);
          }
          super.start(listener, headers);
        }
      };
    }
  }

  // ---- unary calls ----

  /** A deadline of --command-timeout from now (etcdctl's commandCtx). */
  public Deadline commandDeadline() {
    return Deadline.after(opts.commandTimeoutNanos(), TimeUnit.NANOSECONDS);
  }

  public KVGrpc.KVBlockingStub kv(Deadline d) throws InterruptedException {
    return KVGrpc.newBlockingStub(channel(d)).withDeadline(d).withWaitForReady();
  }

  public LeaseGrpc.LeaseBlockingStub lease(Deadline d) throws InterruptedException {
    return LeaseGrpc.newBlockingStub(channel(d)).withDeadline(d).withWaitForReady();
  }

  public ClusterGrpc.ClusterBlockingStub cluster(Deadline d) throws InterruptedException {
    return ClusterGrpc.newBlockingStub(channel(d)).withDeadline(d).withWaitForReady();
  }

  public MaintenanceGrpc.MaintenanceBlockingStub maintenance(Deadline d) throws InterruptedException {
    return MaintenanceGrpc.newBlockingStub(channel(d)).withDeadline(d).withWaitForReady();
  }

  public AuthGrpc.AuthBlockingStub auth(Deadline d) throws InterruptedException {
    return AuthGrpc.newBlockingStub(channel(d)).withDeadline(d).withWaitForReady();
  }

  /** A unary call that may fail: the RPC's failure ends the command as etcdctl's would. */
  public interface Call<R> {
    R call() throws InterruptedException;
  }

  /** Runs a unary call; a failure prints the warning line and ends the command with exit code 1. */
  public <R> R unary(Call<R> call) throws InterruptedException {
    try {
      return call.call();
    } catch (StatusRuntimeException e) {
      throw fail(e);
    }
  }

  /** As {@link #unary(Call)} but returns the error text instead of ending the command. */
  public <R> R unaryOr(Call<R> call, Supplier<R> onError) throws InterruptedException {
    try {
      return call.call();
    } catch (StatusRuntimeException e) {
      warn(e.getStatus());
      return onError.get();
    }
  }

  /** Prints the warning line for a failed unary call and returns the command's error. */
  public CtlException fail(StatusRuntimeException e) {
    warn(e.getStatus());
    return new CtlException(ExitCode.ERROR, GoErrors.clientError(e));
  }

  /** clientv3's retry interceptor logs every failed unary attempt, as a zap JSON line on stderr. */
  public void warn(Status s) {
    warn(goTarget(), goStatus(s));
  }

  /**
   * The retry warning for a call on another connection than this client's balancer (a passthrough
   * dial of one endpoint, or a client etcdctl builds per endpoint): its grpc-go target, and the
   * status already told as grpc-go tells it.
   */
  public void warn(String target, Status goStatus) {
    err.println(
        Zap.clientv3("warn", "clientv3/retry_interceptor.go:62", "retrying of unary invoker failed")
            .string("target", target)
            .number("attempt", 0)
            .string("error", GoErrors.rpcError(goStatus))
            .line());
  }

  /** The connectivity state of one endpoint's own channel (opened if it was not). */
  public ConnectivityState state(String endpoint) {
    return managed(endpoint, tls.forScheme(Endpoints.parse(endpoint).scheme())).state(false);
  }

  /** Why the last connect to one endpoint's own channel failed; null if none did. */
  public Throwable lastConnectFailure(String endpoint) {
    return managed(endpoint, tls.forScheme(Endpoints.parse(endpoint).scheme())).lastConnectFailure();
  }

  /** grpc-java's texts for a deadline or a refused connection, told as grpc-go tells them. */
  public Status goStatus(Status s) {
    if (s.getCode() == Status.Code.DEADLINE_EXCEEDED) {
      boolean failing = false;
      for (H2Channel ch : channels.values()) {
        failing |= ch.state(false) == ConnectivityState.TRANSIENT_FAILURE;
      }
      if (failing) {
        return Status.DEADLINE_EXCEEDED.withDescription("latest balancer error: all SubConns are in TransientFailure");
      }
      return Status.DEADLINE_EXCEEDED.withDescription("context deadline exceeded");
    }
    return s;
  }

  @Override
  public synchronized void close() {
    for (H2Channel ch : channels.values()) {
      ch.close();
    }
  }
}
