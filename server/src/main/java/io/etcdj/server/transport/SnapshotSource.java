package io.etcdj.server.transport;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The data of an outgoing snapshot, opened once on a snapshot-sender thread and read to its end in
 * {@link TransportConfig#snapshotChunkBytes()} chunks. The transport closes the stream.
 */
public interface SnapshotSource {
  InputStream open() throws IOException;

  /** Size of the data in bytes, or -1 when unknown (then the receiver cannot check it). */
  long sizeBytes();

  static SnapshotSource ofPath(Path file) {
    Objects.requireNonNull(file, "file");
    return new SnapshotSource() {
      @Override
      public InputStream open() throws IOException {
        return Files.newInputStream(file);
      }

      @Override
      public long sizeBytes() {
        try {
          return Files.size(file);
        } catch (IOException e) {
          return -1;
        }
      }
    };
  }

  static SnapshotSource ofBytes(byte[] data) {
    Objects.requireNonNull(data, "data");
    return new SnapshotSource() {
      @Override
      public InputStream open() {
        return new ByteArrayInputStream(data);
      }

      @Override
      public long sizeBytes() {
        return data.length;
      }
    };
  }
}
