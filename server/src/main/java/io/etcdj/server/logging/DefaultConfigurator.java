package io.etcdj.server.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * logback's start-up configuration, found through {@code META-INF/services}: etcd's default
 * capnslog lines on stderr at info, in place of logback's debug-level console default, until
 * {@link EtcdLogging#configure} applies the flags. No XML file is read.
 */
public final class DefaultConfigurator extends ContextAwareBase implements Configurator {
  @Override
  public ExecutionStatus configure(LoggerContext context) {
    EtcdLogging.installDefaults(context);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }
}
