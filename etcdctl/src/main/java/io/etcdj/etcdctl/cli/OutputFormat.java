package io.etcdj.etcdctl.cli;

/** {@code -w/--write-out}: etcdctl's five printers. */
public enum OutputFormat {
  SIMPLE,
  JSON,
  FIELDS,
  TABLE,
  PROTOBUF;

  static OutputFormat parse(String s) {
    switch (s) {
      case "simple":
        return SIMPLE;
      case "json":
        return JSON;
      case "fields":
        return FIELDS;
      case "table":
        return TABLE;
      case "protobuf":
        return PROTOBUF;
      default:
        return null;
    }
  }

  public String goName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /**
   * etcdctl's printerUnsupported: the format exists but this command cannot print in it. Like
   * etcdctl, commands call this after the request was made (a {@code put -w table} still puts).
   */
  public CtlException unsupported() {
    return new CtlException(ExitCode.BAD_FEATURE, goName() + " not supported as output format");
  }
}
