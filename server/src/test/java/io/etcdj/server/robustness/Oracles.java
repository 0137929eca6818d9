package io.etcdj.server.robustness;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;

/**
 * Every oracle over one recorded run, as one list of violations (empty: the run passed): the
 * revision checker and the linearizability search over the KV history completed with the lease
 * deletes ({@link ServerDeletes}) and settled by the log ({@link HistoryPatch}), the watch checker
 * over every recorded stream, the recorder's "did not catch up" lines, and the lease checker.
 */
public final class Oracles {
  private Oracles() {}

  /**
   * What a run recorded.
   *
   * @param history the KV calls of every client (lease puts included), no server calls
   * @param compactions the Compact calls the run made
   * @param watchesBehind {@link WatchRecorder#awaitCaughtUp}'s answer
   * @param observedUntil when the final log read and the watches' catch-up were over
   */
  public record Recorded(
      List<Operation> history, List<LeaseHistory> leases, List<WatchRecord> watches, List<String> watchesBehind, WriteLog log, List<Compaction> compactions, List<TermLog.Promotion> promotions, long observedUntil) {}

  /** The verdicts and a one-line summary of what was checked. */
  public record Verdicts(List<String> violations, String summary) {}

  public static Verdicts check(Recorded r, Duration linearizabilityBudget) {
    List<String> out = new ArrayList<>();
    NavigableMap<Long, Long> firstSeen = LeaseChecker.firstSeen(r.watches(), r.history());
    List<Operation> server = ServerDeletes.of(r.log(), r.history(), r.leases(), firstSeen, r.observedUntil());
    List<Operation> all = new ArrayList<>(r.history());
    all.addAll(server);
    RevisionChecker.check(all, r.log()).forEach(v -> out.add("revision: " + v));
    LinearizabilityChecker.Result lin = LinearizabilityChecker.check(HistoryPatch.patch(all, r.log()), linearizabilityBudget);
    if (!lin.ok()) {
      out.add("linearizability: " + lin.verdict() + ": " + lin.explanation());
    }
    WatchChecker.check(r.watches(), r.log(), r.compactions()).forEach(v -> out.add("watch: " + v));
    r.watchesBehind().forEach(v -> out.add("watch: reliable: " + v));
    LeaseChecker.check(new LeaseChecker.Input(r.leases(), r.history(), r.log(), firstSeen, r.promotions(), r.observedUntil())).forEach(v -> out.add("lease: " + v));
    int events = 0;
    int progress = 0;
    for (WatchRecord w : r.watches()) {
      for (WatchRecord.Response x : w.responses()) {
        events += x.events().size();
        progress += x.isProgressNotify() ? 1 : 0;
      }
    }
    long expiries = server.stream().filter(o -> o.request() instanceof KvRequest.Txn).count();
    String summary =
        String.format(
            "%d calls (%d unknown), %d revisions, compacted at %s, %d watch records with %d events and %d progress notifications, %d leases (%d keep-alives), %d lease deletes, %d new terms",
            r.history().size(),
            r.history().stream().filter(o -> o.response() == null).count(),
            r.log().lastRevision(),
            r.compactions().stream().map(c -> c.revision() + (c.acknowledged() ? "" : "?")).toList(),
            r.watches().size(),
            events,
            progress,
            r.leases().size(),
            r.leases().stream().mapToInt(l -> l.keepAlives().size()).sum(),
            expiries,
            r.promotions().size());
    return new Verdicts(out, summary);
  }
}
