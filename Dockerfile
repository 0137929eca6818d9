# etcdj's image: etcdj and its etcdctl on a JRE, running as a non-root user, data in a volume.
#
#   docker build -t etcdj .
#   docker run -d --name etcdj -p 127.0.0.1:2379:2379 -v etcdj-data:/var/lib/etcdj etcdj \
#     --listen-client-urls http://0.0.0.0:2379 --advertise-client-urls http://127.0.0.1:2379
#   docker exec etcdj etcdctl put foo bar
#
# Flags go after the image name or into ETCD_* variables (docker run -e, compose's environment),
# exactly as for etcd; docker-compose.yml runs a three-member cluster. See docs/operations.md.

# Build stage: the same Maven build as on a developer's machine, tests skipped (CI runs them).
# Plain RUN steps (no BuildKit-only syntax), so docker-compose 1.x's classic builder takes it too.
FROM maven:3.9-eclipse-temurin-17 AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests package
# The runtime tree keeps the repository's layout (bin/ next to the modules' target/ dirs), so the
# image runs the very bin/etcdj and bin/etcdctl scripts the tests and the README use. Optional
# files (a class-data-sharing archive) are copied when the build made them.
RUN shopt -s nullglob \
 && mkdir -p /opt/etcdj \
 && cp -r --parents bin \
      server/target/etcdj-server.jar server/target/lib server/target/*.jsa \
      etcdctl/target/etcdj-etcdctl.jar etcdctl/target/lib etcdctl/target/*.jsa \
      /opt/etcdj/

# Runtime stage: a JRE, bash for the launch scripts, and nothing of the build.
FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 etcdj \
 && useradd --system --uid 10001 --gid etcdj --home-dir /var/lib/etcdj --no-create-home etcdj \
 && mkdir -p /var/lib/etcdj \
 && chown etcdj:etcdj /var/lib/etcdj
COPY --from=build /opt/etcdj /opt/etcdj
ENV PATH=/opt/etcdj/bin:$PATH
# etcd's default --data-dir is "${name}.etcd" under the working directory: here, in the volume.
WORKDIR /var/lib/etcdj
VOLUME /var/lib/etcdj
USER etcdj
# Client and peer ports; /metrics, /health and /version are served on the client port.
EXPOSE 2379 2380
# bin/etcdj exec's the JVM, so the JVM is PID 1 and `docker stop`'s SIGTERM reaches the server.
ENTRYPOINT ["etcdj"]
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["etcdctl", "endpoint", "health"]
