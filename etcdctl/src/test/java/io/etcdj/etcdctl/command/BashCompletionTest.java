package io.etcdj.etcdctl.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcdj.etcdctl.Ctl;
import io.etcdj.etcdctl.cli.Io;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code etcdctl completion bash} run through bash: the completion function is called as bash
 * calls it for a line typed up to the cursor, and its replies are checked. compopt (which only
 * works inside a real completion) is replaced by a function that records the request.
 */
class BashCompletionTest {

  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  static Run ctl(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Io io = new Io(new ByteArrayInputStream(new byte[0]), new PrintStream(out, true), new PrintStream(err, true), Map.of());
    int code = Ctl.run(args, io);
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** The replies, one a line, for {@code line} typed up to the cursor; "[files]" when file names are asked for. */
  private String complete(String script, String line) throws IOException, InterruptedException {
    Path file = dir.resolve("etcdctl.bash");
    Files.writeString(file, script);
    String test =
        "source \"$1\"\n"
            + "compopt() { [[ $* == '-o default' ]] && echo '[files]'; }\n"
            + "COMP_LINE=\"$2\" COMP_POINT=${#2} COLUMNS=60\n"
            + "__etcdctl_complete\n"
            + "for r in \"${COMPREPLY[@]}\"; do echo \"$r\"; done\n";
    Process p = new ProcessBuilder("bash", "-c", test, "test", file.toString(), line).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(20, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    return out.strip();
  }

  /** Expected replies are separated by ';'; '[files]' means bash's own file name completion. */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "etcdctl us|user",
        "etcdctl user a|add",
        "etcdctl us ad|add",
        "etcdctl user add --in|--insecure-discovery;--insecure-skip-tls-verify;--insecure-transport;--interactive",
        "etcdctl -w json user get --de|--debug;--detail",
        "etcdctl role grant-permission --prefix --fr|--from-key",
        "etcdctl role grant-permission --prefix --pr|''",
        "etcdctl role revoke-p|revoke-permission",
        "etcdctl --endpoints a --endpoints b --end|--endpoints",
        "etcdctl --hex --he|--help",
        "etcdctl -|" + "--cacert;--cert;--command-timeout;--debug;--dial-timeout;--discovery-srv;-d;--discovery-srv-name;"
            + "--endpoints;--hex;--insecure-discovery;--insecure-skip-tls-verify;--insecure-transport;--keepalive-time;"
            + "--keepalive-timeout;--key;--password;--user;--write-out;-w;--help;-h",
        "'etcdctl get '|[files]",
        "'etcdctl -w '|[files]",
        "etcdctl --write-out=js|[files]",
        "'etcdctl user add bob '|[files]",
        "etcdctl help user g|get;grant-role",
        "'etcdctl completion '|bash;fish;powershell;zsh",
      })
  void completesCommandsSubcommandsAndFlags(String line, String expected) throws Exception {
    String script = ctl("completion", "bash", "--no-descriptions").out();
    assertEquals(expected, complete(script, line).replace('\n', ';'));
  }

  @Test
  void severalCandidatesShowTheirDescriptionsUnlessAskedNot() throws Exception {
    Run r = ctl("completion", "bash");
    assertEquals(0, r.code());
    assertEquals(
        "get         (Gets detailed information of a user)\ngrant-role  (Grants a role to a user)",
        complete(r.out(), "etcdctl user g"));
    assertEquals("grant-role", complete(r.out(), "etcdctl user gr"));
    // Cut to the terminal width (COLUMNS=60 in the test).
    assertEquals(
        "--insecure-discovery        (accept insecure SRV records...\n"
            + "--insecure-skip-tls-verify  (skip server certificate ver...\n"
            + "--insecure-transport        (disable transport security ...",
        complete(r.out(), "etcdctl --insecure-"));
  }

  @Test
  void everyRootCommandIsOffered() throws Exception {
    String script = ctl("completion", "bash", "--no-descriptions").out();
    List<String> offered = List.of(complete(script, "etcdctl ").split("\n"));
    assertTrue(offered.containsAll(List.of("auth", "user", "role", "migrate", "completion", "get", "help")), offered.toString());
  }

  @Test
  void argumentsAndOtherShellsAreRefused() {
    Run extra = ctl("completion", "bash", "extra");
    assertEquals(1, extra.code());
    assertEquals(
        "Error: unknown command \"extra\" for \"etcdctl completion bash\"\n\n"
            + "Error: unknown command \"extra\" for \"etcdctl completion bash\"\n",
        extra.err());
    assertTrue(extra.out().startsWith("NAME:\n\tcompletion bash - Generate the autocompletion script for bash\n"));
    for (String shell : List.of("zsh", "fish", "powershell")) {
      Run r = ctl("completion", shell);
      assertEquals(1, r.code());
      assertEquals("", r.out());
      assertEquals(
          "Error: etcdj's etcdctl cannot generate a " + shell + " completion script yet; only 'etcdctl completion bash' is supported\n",
          r.err());
    }
  }

  @Test
  void migrateIsRefusedWithItsReason() {
    Run r = ctl("migrate", "--data-dir", "/nonexistent");
    assertEquals(1, r.code());
    assertEquals("", r.out());
    assertTrue(r.err().startsWith("Error: migrate is not supported by etcdj's etcdctl: it cannot read an etcd v2 data directory"), r.err());
  }
}
