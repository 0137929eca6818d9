package io.etcdj.server.membership;

import java.net.URI;
import java.util.List;

/** One member of the cluster as the Cluster API shows it. */
public record Member(long id, String name, List<URI> peerUrls, List<URI> clientUrls, boolean learner) {}
