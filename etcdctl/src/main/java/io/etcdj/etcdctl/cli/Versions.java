package io.etcdj.etcdctl.cli;

/**
 * The versions this CLI reports. It stands in for etcdctl 3.4.23, so it says what that etcdctl
 * says (scripts parse {@code etcdctl version}).
 */
public final class Versions {
  private Versions() {}

  public static final String CLIENT = "3.4.23";
  public static final String API = "3.4";
}
