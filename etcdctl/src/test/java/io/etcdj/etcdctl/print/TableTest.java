package io.etcdj.etcdctl.print;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Tables as etcd 3.4's tablewriter draws them; the expected texts were printed by stock etcdctl 3.4.23. */
class TableTest {

  @Test
  void aCellOverThirtyColumnsWithSpacesWrapsAndKeepsItsTrailingSpace() {
    String out =
        Table.render(
            List.of("endpoint", "errors"),
            List.of(List.of("127.0.0.1:41479", "memberID:17621610855947863749 alarm:NOSPACE ")));
    assertEquals(
        "+-----------------+--------------------------------+\n"
            + "|    ENDPOINT     |             ERRORS             |\n"
            + "+-----------------+--------------------------------+\n"
            + "| 127.0.0.1:41479 |  memberID:17621610855947863749 |\n"
            + "|                 |                 alarm:NOSPACE  |\n"
            + "+-----------------+--------------------------------+\n",
        out);
  }

  @Test
  void aLongCellWithoutSpacesWidensItsColumn() {
    String out =
        Table.render(
            List.of("Peer Addrs", "Is Learner"),
            List.of(List.of("http://127.0.0.1:41390,http://127.0.0.1:41391", "true")));
    assertEquals(
        "+-----------------------------------------------+------------+\n"
            + "|                  PEER ADDRS                   | IS LEARNER |\n"
            + "+-----------------------------------------------+------------+\n"
            + "| http://127.0.0.1:41390,http://127.0.0.1:41391 |       true |\n"
            + "+-----------------------------------------------+------------+\n",
        out);
  }

  @Test
  void wrapBalancesLinesAtTheLimit() {
    assertEquals(List.of("a bb", "ccc"), Table.wrap("a bb ccc", 4));
    assertEquals(List.of(""), Table.wrap("", 30));
    assertEquals(List.of("short"), Table.wrap("short", 30));
  }
}
