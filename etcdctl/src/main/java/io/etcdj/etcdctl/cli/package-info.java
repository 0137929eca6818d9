/**
 * The command-line machinery of etcdj's etcdctl, shaped after what etcd's etcdctl 3.4 is built on
 * (cobra commands, pflag flags, ctlv3's help template and exit codes): {@link
 * io.etcdj.etcdctl.cli.Command} trees, {@link io.etcdj.etcdctl.cli.FlagSet} parsing with pflag's
 * rules and error texts, {@link io.etcdj.etcdctl.cli.Usage} help pages laid out by Go's tabwriter,
 * {@link io.etcdj.etcdctl.cli.GlobalOptions} with {@code ETCDCTL_*} variables, and the Go text
 * formats users see ({@code %q}, durations, strconv errors).
 *
 * <p>No gRPC here. Everything runs on the thread that runs the command line; nothing is static
 * and mutable, so tests run command lines in-process and in parallel.
 */
package io.etcdj.etcdctl.cli;
