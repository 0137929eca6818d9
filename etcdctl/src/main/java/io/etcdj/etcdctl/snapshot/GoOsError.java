package io.etcdj.etcdctl.snapshot;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Locale;

/** Go's {@code *os.PathError} text for a failed file operation: {@code "<op> <path>: <errno text>"}. */
final class GoOsError {
  private GoOsError() {}

  static String text(String op, String path, IOException e) {
    return op + " " + path + ": " + errno(e);
  }

  /** The errno text Go prints (lower-case strerror). */
  static String errno(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file or directory";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof FileAlreadyExistsException) {
      return "file exists";
    }
    if (e instanceof NotDirectoryException) {
      return "not a directory";
    }
    if (e instanceof DirectoryNotEmptyException) {
      return "directory not empty";
    }
    if (e instanceof FileSystemException && ((FileSystemException) e).getReason() != null) {
      return lowerFirst(((FileSystemException) e).getReason());
    }
    return e.getMessage() == null ? e.toString() : lowerFirst(e.getMessage());
  }

  private static String lowerFirst(String s) {
    return s.isEmpty() ? s : s.substring(0, 1).toLowerCase(Locale.ROOT) + s.substring(1);
  }
}
