package io.etcdj.server.http;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The routes one HTTP listener serves, in registration order: etcd's {@code http.ServeMux} on the
 * client port, to which {@code /health}, {@code /version}, {@code /metrics} and the JSON gateway
 * are added by the parts that own them. The first route whose {@link HttpRoute#serves} accepts a
 * path answers it.
 *
 * <p>Thread-safe: routes may be added while the listener serves (a copy-on-write list, as routes
 * are added a handful of times and looked up on every request).
 */
public final class HttpRoutes {
  /** A bound on routes: they are registered by code, never by clients. */
  static final int ROUTES_MAX = 64;

  private final List<HttpRoute> routes = new CopyOnWriteArrayList<>();

  /** Adds a route after the ones already there; returns this for chaining. */
  public HttpRoutes add(HttpRoute route) {
    if (route == null) {
      throw new IllegalArgumentException("route is null");
    }
    if (routes.size() >= ROUTES_MAX) {
      throw new IllegalStateException("more than " + ROUTES_MAX + " HTTP routes");
    }
    routes.add(route);
    return this;
  }

  /** The route that answers {@code path} (without query), or null for etcd's 404. */
  HttpRoute find(String path) {
    for (HttpRoute route : routes) {
      if (route.serves(path)) {
        return route;
      }
    }
    return null;
  }
}
