package io.etcdj.server;

import io.etcdj.api.etcdserverpb.CompactionResponse;
import java.util.concurrent.CompletableFuture;

/**
 * The answer to an applied Compact: the response, and a future completed when the backend has
 * physically removed the compacted revisions (what {@code physical=true} waits for).
 */
public record CompactionResult(CompactionResponse response, CompletableFuture<Void> physical) {}
