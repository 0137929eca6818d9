package io.etcdj.raft;

/**
 * A proposal (or read request, or conf change) was not accepted: there is no known leader, a
 * leadership transfer is in progress, this node is not a member, or a conf change is still
 * pending. The caller may retry, typically after the next leader change (etcd's {@code
 * ErrProposalDropped}).
 */
public final class ProposalDroppedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ProposalDroppedException(String reason) {
    super("raft proposal dropped: " + reason, null, false, false);
  }
}
