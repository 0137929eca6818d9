/**
 * etcdctl's commands, one class per command or family (mirroring ctlv3/command/*_command.go):
 * flags, argument checks in etcdctl's order and with its messages, the request, and printing in
 * each output format. {@link io.etcdj.etcdctl.command.Tree} assembles the tree.
 */
package io.etcdj.etcdctl.command;
