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
 * bytes flow on (a partition that heals before TCP gives up). {@link #resetAll} instead cuts every
 * connection with a TCP reset. Threads: one acceptor per proxy, two pumps per connection.
 */
final class PeerNetwork implements AutoCloseable {
  private static final int BUFFER_BYTES = 64 * 1024;
  private static final long STALL_POLL_MS = 5;

  /** A member the network knows: its name, advertised (proxy) port and the way to its process. */
  private record Member(String name, int proxyPort, int listenPort, Supplier<Long> pid) {}

  private final List<Member> members = new CopyOnWriteArrayList<>();
  private final List<ServerSocket> listeners = new CopyOnWriteArrayList<>();
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  /** Open connections by their accepted socket: "dialler>member". */
  private final Map<Socket, String> links = new ConcurrentHashMap<>();
  /** Senders whose bytes are stalled, and receivers to which bytes are stalled. */
  private final Set<String> muted = ConcurrentHashMap.newKeySet();
  private final Set<String> deaf = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /**
   * Starts a proxy on {@code proxyPort} (the member's advertised peer port) that forwards to
   * {@code listenPort}; {@code pid} gives the member's current process id (-1 while it is down).
   */
  void add(String name, int proxyPort, int listenPort, Supplier<Long> pid) {
    Member m = new Member(name, proxyPort, listenPort, pid);
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

  /** Every stalled direction flows again. */
  void heal() {
    muted.clear();
    deaf.clear();
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

  /** Copies bytes from {@code src} to {@code dst}, stalling while {@code sender}'s bytes to {@code receiver} are stopped. */
  private void pump(Socket src, Socket dst, String sender, String receiver, String threadName) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[BUFFER_BYTES];
              try (InputStream is = src.getInputStream(); OutputStream os = dst.getOutputStream()) {
                while (true) {
                  awaitFlowing(sender, receiver);
                  int n = is.read(buf);
                  if (n < 0) {
                    return;
                  }
                  awaitFlowing(sender, receiver);
                  os.write(buf, 0, n);
                  os.flush();
                }
              } catch (IOException | InterruptedException e) {
                // a side closed or was reset: close both, as a network would show it
              } finally {
                closeQuietly(src);
                closeQuietly(dst);
                open.remove(src);
                open.remove(dst);
                links.remove(src);
                links.remove(dst);
              }
            },
            threadName);
    t.setDaemon(true);
    t.start();
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
