package io.etcdj.storage.mvcc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class RevisionKeysTest {

  @ParameterizedTest
  @CsvSource({"0,0", "1,0", "5,2", "255,256", "4294967296,1", "9223372036854775807,9223372036854775807"})
  void roundTrips(long main, long sub) {
    byte[] key = RevisionKeys.encode(main, sub);
    assertEquals(17, key.length);
    assertEquals('_', key[8]);
    assertEquals(new Revision(main, sub), RevisionKeys.decode(key));
    assertFalse(RevisionKeys.isTombstone(key));

    byte[] tomb = RevisionKeys.encodeTombstone(main, sub);
    assertEquals(18, tomb.length);
    assertEquals('t', tomb[17]);
    assertTrue(RevisionKeys.isTombstone(tomb));
    assertEquals(new Revision(main, sub), RevisionKeys.decode(tomb));
    assertArrayEquals(key, Arrays.copyOf(tomb, 17));
  }

  @Test
  void layoutMatchesEtcd() {
    // etcd: 8-byte big-endian main, '_', 8-byte big-endian sub.
    byte[] want = {0, 0, 0, 0, 0, 0, 1, 2, '_', 0, 0, 0, 0, 0, 0, 0, 3};
    assertArrayEquals(want, RevisionKeys.encode(0x0102, 3));
  }

  @Test
  void byteOrderIsRevisionOrder() {
    Random random = new Random(42);
    for (int i = 0; i < 10_000; i++) {
      Revision a = randomRevision(random);
      Revision b = randomRevision(random);
      int byRevision = Integer.signum(a.compareTo(b));
      int byBytes = Integer.signum(Arrays.compareUnsigned(RevisionKeys.encode(a), RevisionKeys.encode(b)));
      assertEquals(byRevision, byBytes, a + " vs " + b);
      if (byRevision != 0) {
        // A tombstone mark never reorders distinct revisions.
        int marked =
            Integer.signum(
                Arrays.compareUnsigned(
                    RevisionKeys.encodeTombstone(a.main(), a.sub()), RevisionKeys.encode(b)));
        assertEquals(byRevision, marked);
      }
    }
    // The marked key sorts right after the plain key of the same revision.
    assertTrue(
        Arrays.compareUnsigned(RevisionKeys.encode(7, 1), RevisionKeys.encodeTombstone(7, 1)) < 0);
    assertTrue(
        Arrays.compareUnsigned(RevisionKeys.encodeTombstone(7, 1), RevisionKeys.encode(7, 2)) < 0);
  }

  private static Revision randomRevision(Random random) {
    // Mix small values (shared prefixes) with large ones (high bytes set).
    long main = random.nextBoolean() ? random.nextInt(300) : random.nextLong() >>> 1;
    long sub = random.nextBoolean() ? random.nextInt(300) : random.nextLong() >>> 1;
    return new Revision(main, sub);
  }

  @Test
  void rejectsMalformedKeys() {
    assertThrows(IllegalStateException.class, () -> RevisionKeys.decode(new byte[16]));
    byte[] noSeparator = RevisionKeys.encode(1, 1);
    noSeparator[8] = 'x';
    assertThrows(IllegalStateException.class, () -> RevisionKeys.decode(noSeparator));
    byte[] badMark = Arrays.copyOf(RevisionKeys.encode(1, 1), 18);
    badMark[17] = 'x';
    assertThrows(IllegalStateException.class, () -> RevisionKeys.decode(badMark));
    assertThrows(IllegalStateException.class, () -> RevisionKeys.encode(-1, 0));
  }
}
