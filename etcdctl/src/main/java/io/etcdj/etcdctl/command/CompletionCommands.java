package io.etcdj.etcdctl.command;

import io.etcdj.etcdctl.cli.Command;
import io.etcdj.etcdctl.cli.CtlException;
import io.etcdj.etcdctl.cli.ExitCode;
import io.etcdj.etcdctl.cli.GoQuote;
import io.etcdj.etcdctl.cli.Invocation;
import io.etcdj.etcdctl.cli.Usage;

/**
 * {@code completion bash|zsh|fish|powershell}: the command cobra 1.6 adds to every root with
 * subcommands, which the Debian build of etcdctl 3.4.23 lists. Names, help texts and flags are
 * cobra's. {@code bash} prints a script of our own ({@link BashCompletion}); cobra's scripts call
 * back into the program on every Tab, which a JVM start makes slow, and the other three shells'
 * scripts are refused rather than shipped untested.
 */
final class CompletionCommands {
  private CompletionCommands() {}

  private static final String NO_DESC_FLAG = "no-descriptions";
  private static final String NO_DESC_USAGE = "disable completion descriptions";

  static Command completion() {
    return new Command("completion", "Generate the autocompletion script for the specified shell")
        .longDesc(
            "Generate the autocompletion script for etcdctl for the specified shell.\n"
                + "See each sub-command's help for details on how to use the generated script.\n")
        .add(bash(), zsh(), fish(), powershell());
  }

  private static Command bash() {
    return new Command("bash", "Generate the autocompletion script for bash")
        .longDesc(
            "Generate the autocompletion script for the bash shell.\n\n"
                + "This script depends on the 'bash-completion' package.\n"
                + "If it is not installed already, you can install it via your OS's package manager.\n\n"
                + "To load completions in your current shell session:\n\n"
                + "\tsource <(etcdctl completion bash)\n\n"
                + "To load completions for every new session, execute once:\n\n"
                + "#### Linux:\n\n"
                + "\tetcdctl completion bash > /etc/bash_completion.d/etcdctl\n\n"
                + "#### macOS:\n\n"
                + "\tetcdctl completion bash > $(brew --prefix)/etc/bash_completion.d/etcdctl\n\n"
                + "You will need to start a new shell for this setup to take effect.\n")
        .disableFlagsInUseLine()
        .boolFlag(NO_DESC_FLAG, false, NO_DESC_USAGE)
        .runner(inv -> {
          noArgs(inv);
          inv.out().print(BashCompletion.script(inv.command().root(), !inv.bool(NO_DESC_FLAG)));
        });
  }

  private static Command zsh() {
    return new Command("zsh", "Generate the autocompletion script for zsh")
        .longDesc(
            "Generate the autocompletion script for the zsh shell.\n\n"
                + "If shell completion is not already enabled in your environment you will need\n"
                + "to enable it.  You can execute the following once:\n\n"
                + "\techo \"autoload -U compinit; compinit\" >> ~/.zshrc\n\n"
                + "To load completions in your current shell session:\n\n"
                + "\tsource <(etcdctl completion zsh); compdef _etcdctl etcdctl\n\n"
                + "To load completions for every new session, execute once:\n\n"
                + "#### Linux:\n\n"
                + "\tetcdctl completion zsh > \"${fpath[1]}/_etcdctl\"\n\n"
                + "#### macOS:\n\n"
                + "\tetcdctl completion zsh > $(brew --prefix)/share/zsh/site-functions/_etcdctl\n\n"
                + "You will need to start a new shell for this setup to take effect.\n")
        .boolFlag(NO_DESC_FLAG, false, NO_DESC_USAGE)
        .runner(CompletionCommands::refuse);
  }

  private static Command fish() {
    return new Command("fish", "Generate the autocompletion script for fish")
        .longDesc(
            "Generate the autocompletion script for the fish shell.\n\n"
                + "To load completions in your current shell session:\n\n"
                + "\tetcdctl completion fish | source\n\n"
                + "To load completions for every new session, execute once:\n\n"
                + "\tetcdctl completion fish > ~/.config/fish/completions/etcdctl.fish\n\n"
                + "You will need to start a new shell for this setup to take effect.\n")
        .boolFlag(NO_DESC_FLAG, false, NO_DESC_USAGE)
        .runner(CompletionCommands::refuse);
  }

  private static Command powershell() {
    return new Command("powershell", "Generate the autocompletion script for powershell")
        .longDesc(
            "Generate the autocompletion script for powershell.\n\n"
                + "To load completions in your current shell session:\n\n"
                + "\tetcdctl completion powershell | Out-String | Invoke-Expression\n\n"
                + "To load completions for every new session, add the output of the above command\n"
                + "to your powershell profile.\n")
        .boolFlag(NO_DESC_FLAG, false, NO_DESC_USAGE)
        .runner(CompletionCommands::refuse);
  }

  private static void refuse(Invocation inv) {
    noArgs(inv);
    String shell = inv.command().name();
    throw new CtlException(
        ExitCode.ERROR,
        "etcdj's etcdctl cannot generate a " + shell + " completion script yet; only 'etcdctl completion bash' is supported");
  }

  /**
   * cobra's NoArgs, checked before the command runs: its error is printed with the usage the way a
   * flag error is (the message, a blank line, the help page on stdout, the message again as
   * etcdctl's exit error).
   */
  private static void noArgs(Invocation inv) {
    if (inv.args().isEmpty()) {
      return;
    }
    String msg = "unknown command " + GoQuote.quote(inv.args().get(0)) + " for " + GoQuote.quote(inv.command().path());
    inv.err().println("Error: " + msg);
    inv.err().println();
    inv.out().print(Usage.of(inv.command()));
    throw new CtlException(ExitCode.ERROR, msg);
  }
}
