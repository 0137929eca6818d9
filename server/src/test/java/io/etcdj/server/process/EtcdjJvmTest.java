package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The etcdj command of the process tests really uses its class-data-sharing archive: losing it (a directory back on the
 * class path, a training run that wrote nothing) would not fail any other test, only make CI minutes slower.
 */
@Tag("process")
class EtcdjJvmTest {

  @Test
  void etcdjRunsFromJarsWithTheArchive() {
    List<String> cmd = EtcdjJvm.command();
    assertEquals(EtcdProcess.ETCDJ_MAIN_CLASS, cmd.get(cmd.size() - 1));
    String classPath = cmd.get(cmd.indexOf("-cp") + 1);
    if (!EtcdjJvm.CDS) { // -Detcdj.process.cds=false: the plain test class path
      assertEquals(System.getProperty("java.class.path"), classPath);
      return;
    }
    for (String entry : classPath.split(":")) {
      assertFalse(Files.isDirectory(Paths.get(entry)), "class-data sharing reads jars only: " + entry);
    }
    String archive = cmd.stream().filter(a -> a.startsWith("-XX:SharedArchiveFile=")).findFirst().orElse("");
    assertFalse(archive.isEmpty(), "no archive on " + cmd);
    assertTrue(Files.isRegularFile(Paths.get(archive.substring(archive.indexOf('=') + 1))), archive);
  }

  @Test
  void keyFollowsClassFileContentsNotTimes(@TempDir Path dir) throws IOException {
    Path classFile = Files.createDirectories(dir.resolve("io/etcdj")).resolve("A.class");
    Files.write(classFile, new byte[] {1, 2, 3});
    Files.setLastModifiedTime(classFile, FileTime.fromMillis(1_000_000));
    List<String> classPath = List.of(dir.toString());
    String key = EtcdjJvm.key(classPath);
    assertEquals(key, EtcdjJvm.key(classPath), "same files, same key");

    // The reactor recompiles a module when a dependency changed, often to the same bytes: reuse.
    Files.setLastModifiedTime(classFile, FileTime.fromMillis(2_000_000));
    assertEquals(key, EtcdjJvm.key(classPath), "recompiled to the same bytes");

    Files.write(classFile, new byte[] {1, 2, 4});
    assertNotEquals(key, EtcdjJvm.key(classPath), "a changed class file");

    Files.write(dir.resolve("io/etcdj/B.class"), new byte[] {1, 2, 4});
    Files.write(classFile, new byte[] {1, 2, 3});
    assertNotEquals(key, EtcdjJvm.key(classPath), "a new class file");
  }
}
