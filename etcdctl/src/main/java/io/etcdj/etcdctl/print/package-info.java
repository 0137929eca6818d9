/**
 * etcdctl's output formats, shared by the commands: Go's encoding/json over gogo structs ({@link
 * io.etcdj.etcdctl.print.GoJson}), the fields printer's lines, tablewriter tables and
 * go-humanize sizes. Each command prints its own responses with these (as ctlv3's printer_*.go
 * files do per response type), so a command family stays in one place.
 */
package io.etcdj.etcdctl.print;
