/**
 * {@code etcdctl check perf} and {@code check datascale} (ctlv3 check.go at v3.4.23): a paced or
 * counted put load spread over many clients, the result statistics of etcd's pkg/report ({@link
 * io.etcdj.etcdctl.check.LoadStats}), the pb.v1 progress bar etcdctl draws on stdout ({@link
 * io.etcdj.etcdctl.check.ProgressBar}), and the {@code /metrics} fetch datascale reads memory from,
 * done the way Go's net/http does it so that its errors read the same ({@link
 * io.etcdj.etcdctl.check.MetricsFetch}).
 *
 * <p>Threading: the command's thread sets up, waits and prints; one producer thread paces or counts
 * the puts into a bounded queue (capacity = client count, as etcdctl's channel); one worker thread
 * per client takes from it and makes a blocking put, as etcdctl's goroutines do; the bar has its
 * own refresh thread. {@code LoadStats} and {@code ProgressBar} are thread-safe.
 */
package io.etcdj.etcdctl.check;
