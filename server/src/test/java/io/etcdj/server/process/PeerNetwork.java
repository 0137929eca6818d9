package io.etcdj.server.process;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * The peer network of a test cluster, under the test's control: one TCP proxy on each member's
 * advertised peer port, forwarding to the port the member really listens on (etcd's robustness
 * tests put the same kind of proxy in front of each member).
 *
 * <p>A proxy knows both ends of each connection: the member it forwards to, and the member that
 * dialled (found by the dialler's source port in {@code /proc/net/tcp} and the member processes'
 * open sockets). So a fault is stated in members, not in connections, and means the same on
 * every server whichever side opens the streams (etcd's receiver dials the sender, etcdj's sender
 * dials the receiver): {@link #isolate} stops every byte to and from a member, {@link #mute} every
 * byte it sends, {@link #deafen} every byte sent to it.
 *
 * <p>A stopped direction is stalled, not dropped: the proxy stops reading, TCP's buffers fill and
 * the sender's writes block, as on a network that stops delivering; when the fault heals the
 * bytes flow on (a partition that heals before TCP gives up). {@link #delay} holds every byte for a
 * while, in order; {@link #resetAll} cuts every connection with a TCP reset. Threads: one acceptor
 * per proxy, a reader and a writer per direction of each connection.
 */
final class PeerNetwork implements AutoCloseable {
  private static final int BUFFER_BYTES = 64 * 1024;
  private static final long STALL_POLL_MS = 5;

  /** A member the network knows: its name, the port it really listens on, the way to its process. */
  private record Member(String name, int listenPort, Supplier<Long> pid) {}

  private final List<Member> members = new CopyOnWriteArrayList<>();
  private final List<ServerSocket> listeners = new CopyOnWriteArrayList<>();
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  /** Open connections by their accepted socket: "dialler>member". */
  private final Map<Socket, String> links = new ConcurrentHashMap<>();
  /** Senders whose bytes are stalled, and receivers to which bytes are stalled. */
  private final Set<String> muted = ConcurrentHashMap.newKeySet();
  private final Set<String> deaf = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;
  /** Added to every byte's trip, in nanoseconds: {fixed, jitter}. */
  private volatile long[] delay = {0, 0};
  /** Bytes per second each direction of each link may carry; 0: no cap. */
  private volatile long bytesPerSecond;
  /** What a capped writer sends at once, so a cap paces a large chunk instead of bursting it. */
  private static final int SLICE_BYTES = 4 * 1024;

  /**
   * Starts a proxy on {@code proxyPort} (the member's advertised peer port) that forwards to
   * {@code listenPort}; {@code pid} gives the member's current process id (-1 while it is down).
   */
  void add(String name, int proxyPort, int listenPort, Supplier<Long> pid) {
    Member m = new Member(name, listenPort, pid);
    ServerSocket ss;
    try {
      ss = new ServerSocket();
      ss.setReuseAddress(true);
      ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), proxyPort), 64);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on peer proxy port " + proxyPort, e);
    }
    members.add(m);
    listeners.add(ss);
    Thread t = new Thread(() -> accept(m, ss), "peer-proxy-" + name);
    t.setDaemon(true);
    t.start();
  }

  /** No byte reaches {@code member} from its peers, and none of its own reaches them. */
  void isolate(String member) {
    muted.add(member);
    deaf.add(member);
  }

  /** The peers hear nothing from {@code member}; it still hears them (a one-way partition). */
  void mute(String member) {
    muted.add(member);
  }

  /** {@code member} hears nothing from its peers; they still hear it (a one-way partition). */
  void deafen(String member) {
    deaf.add(member);
  }

  /**
   * Every peer byte arrives {@code delayMs} plus up to {@code jitterMs} later than sent (uniform),
   * in order (a slow or congested network); {@link #heal} ends it.
   */
  void delay(long delayMs, long jitterMs) {
    if (delayMs < 0 || jitterMs < 0) {
      throw new IllegalArgumentException("negative delay");
    }
    delay = new long[] {
      java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(delayMs),
      java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(jitterMs)
    };
  }

  /**
   * Caps every direction of every peer link at {@code bytesPerSecond} (a congested or thin
   * network: bytes queue up, TCP pushes back on the sender); {@link #heal} lifts it.
   */
  void limit(long bytesPerSecond) {
    if (bytesPerSecond <= 0) {
      throw new IllegalArgumentException("bytes per second must be > 0: " + bytesPerSecond);
    }
    this.bytesPerSecond = bytesPerSecond;
  }

  /** Every stalled direction flows again; delays and bandwidth caps end. */
  void heal() {
    muted.clear();
    deaf.clear();
    delay = new long[] {0, 0};
    bytesPerSecond = 0;
  }

  /** Cuts every open peer connection with a TCP reset; members dial again. */
  void resetAll() {
    for (Socket s : open) {
      try {
        s.setSoLinger(true, 0); // close() then sends RST instead of FIN
      } catch (SocketException ignored) {
        // already closed
      }
      closeQuietly(s);
    }
  }

  private void accept(Member to, ServerSocket ss) {
    while (!closed) {
      Socket in;
      try {
        in = ss.accept();
      } catch (IOException e) {
        return; // closed
      }
      Socket out = new Socket();
      try {
        out.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), to.listenPort()), 2_000);
      } catch (IOException e) {
        closeQuietly(in); // the member is down: the dialler sees the connection close
        closeQuietly(out);
        continue;
      }
      String from = dialler(in.getPort());
      open.add(in);
      open.add(out);
      links.put(in, from + ">" + to.name());
      pump(in, out, from, to.name(), "peer-proxy-" + from + ">" + to.name());
      pump(out, in, to.name(), from, "peer-proxy-" + to.name() + ">" + from);
    }
  }

  /** Bytes read from one side, to be written to the other at {@code dueNanos}. */
  private record Chunk(byte[] bytes, int length, long dueNanos) {}

  private static final Chunk END = new Chunk(new byte[0], -1, 0);
  /** Chunks read ahead of the writer, per direction: beyond it the reader waits, and TCP pushes back. */
  private static final int CHUNKS_AHEAD = 64;

  /**
   * Copies bytes from {@code src} to {@code dst}: a reader thread and a writer thread, so that a
   * delay holds bytes without slowing the link's throughput. Both stall while {@code sender}'s
   * bytes to {@code receiver} are stopped.
   */
  private void pump(Socket src, Socket dst, String sender, String receiver, String threadName) {
    java.util.concurrent.BlockingQueue<Chunk> queue = new java.util.concurrent.ArrayBlockingQueue<>(CHUNKS_AHEAD);
    Runnable closeBoth =
        () -> {
          closeQuietly(src);
          closeQuietly(dst);
          open.remove(src);
          open.remove(dst);
          links.remove(src);
          links.remove(dst);
        };
    Thread reader =
        new Thread(
            () -> {
              long lastDue = 0;
              try (InputStream is = src.getInputStream()) {
                while (true) {
                  awaitFlowing(sender, receiver);
                  byte[] buf = new byte[BUFFER_BYTES];
                  int n = is.read(buf);
                  if (n < 0) {
                    break;
                  }
                  // Never earlier than the chunk before: jitter delays, it does not reorder a stream.
                  lastDue = Math.max(lastDue, System.nanoTime() + delayNanos());
                  if (!hand(queue, new Chunk(buf, n, lastDue), src)) {
                    break;
                  }
                }
              } catch (IOException | InterruptedException e) {
                // a side closed or was reset
              }
              try {
                hand(queue, END, src);
              } catch (InterruptedException e) {
                closeBoth.run();
              }
            },
            threadName + "-r");
    Thread writer =
        new Thread(
            () -> {
              long nextFree = 0; // under a cap: when this direction may send again
              try (OutputStream os = dst.getOutputStream()) {
                while (true) {
                  Chunk c = queue.take();
                  if (c == END) {
                    break;
                  }
                  long waitNanos = c.dueNanos() - System.nanoTime();
                  if (waitNanos > 0) {
                    java.util.concurrent.TimeUnit.NANOSECONDS.sleep(waitNanos);
                  }
                  for (int off = 0; off < c.length(); ) {
                    awaitFlowing(sender, receiver);
                    long cap = bytesPerSecond;
                    int n = cap == 0 ? c.length() - off : Math.min(SLICE_BYTES, c.length() - off);
                    if (cap > 0) {
                      long now = System.nanoTime();
                      if (nextFree > now) {
                        java.util.concurrent.TimeUnit.NANOSECONDS.sleep(nextFree - now);
                      }
                      nextFree = Math.max(now, nextFree) + n * 1_000_000_000L / cap;
                    }
                    os.write(c.bytes(), off, n);
                    os.flush();
                    off += n;
                  }
                }
              } catch (IOException | InterruptedException e) {
                // a side closed or was reset
              } finally {
                closeBoth.run(); // a side closed or was reset: close both, as a network would show it
              }
            },
            threadName + "-w");
    reader.setDaemon(true);
    writer.setDaemon(true);
    reader.start();
    writer.start();
  }

  /** Queues a chunk for the writer; false if the writer went away (it closed {@code src}). */
  private static boolean hand(java.util.concurrent.BlockingQueue<Chunk> queue, Chunk c, Socket src)
      throws InterruptedException {
    while (!queue.offer(c, 100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
      if (src.isClosed()) {
        return false;
      }
    }
    return true;
  }

  /** The delay the next chunk gets: the set delay plus a uniform share of the jitter. */
  private long delayNanos() {
    long[] d = delay;
    if (d[0] == 0 && d[1] == 0) {
      return 0;
    }
    return d[0] + (d[1] == 0 ? 0 : java.util.concurrent.ThreadLocalRandom.current().nextLong(d[1] + 1));
  }

  private void awaitFlowing(String sender, String receiver) throws InterruptedException {
    while (!closed && (muted.contains(sender) || deaf.contains(receiver))) {
      Thread.sleep(STALL_POLL_MS);
    }
  }

  /**
   * The member whose process owns the socket bound to {@code localPort} on 127.0.0.1 (the
   * dialler's side of a connection to a proxy), or "?" when none does (then only the receiver's
   * faults apply to the connection).
   */
  private String dialler(int localPort) {
    Long inode = socketInode(localPort);
    if (inode == null) {
      return "?";
    }
    String socketLink = "socket:[" + inode + "]";
    for (Member m : members) {
      long pid = m.pid().get();
      if (pid > 0 && ownsSocket(pid, socketLink)) {
        return m.name();
      }
    }
    return "?";
  }

  /**
   * The inode of the socket whose local address is 127.0.0.1:{@code port} (as IPv4, or IPv4-mapped
   * in /proc/net/tcp6), or null when there is none.
   */
  static Long socketInode(int port) {
    String local = String.format("0100007F:%04X", port);
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      try {
        for (String line : Files.readAllLines(Path.of(table))) {
          // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
          String[] f = line.trim().split("\\s+");
          if (f.length > 9 && f[1].endsWith(local)) {
            long inode = Long.parseLong(f[9]);
            if (inode != 0) {
              return inode;
            }
          }
        }
      } catch (IOException | NumberFormatException e) {
        // not Linux, or a line we do not know: unknown
      }
    }
    return null;
  }

  private static boolean ownsSocket(long pid, String socketLink) {
    Path fds = Path.of("/proc", Long.toString(pid), "fd");
    try (var stream = Files.list(fds)) {
      for (Path fd : (Iterable<Path>) stream::iterator) {
        try {
          if (socketLink.equals(Files.readSymbolicLink(fd).toString())) {
            return true;
          }
        } catch (IOException ignored) {
          // the fd closed meanwhile
        }
      }
    } catch (IOException e) {
      return false;
    }
    return false;
  }

  /** The open connections as "dialler>member" (a dialler not found is "?"), for tests of the network itself. */
  List<String> openLinks() {
    return new ArrayList<>(links.values());
  }

  @Override
  public void close() {
    closed = true;
    for (ServerSocket ss : listeners) {
      try {
        ss.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
    for (Socket s : new ArrayList<>(open)) {
      closeQuietly(s);
    }
    open.clear();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }
}
