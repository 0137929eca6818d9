/*
 * A power-loss recorder, loaded into a server process with LD_PRELOAD (test code; the idea is
 * LazyFS's, done without FUSE). It watches every write a process makes to files under one
 * directory and journals, outside that directory, what a power loss could undo:
 *
 *   for each 4 KiB block of a file written since that file's last fsync/fdatasync, the block's
 *   content as of that sync (its "pre-image", read just before the first write to it), the
 *   file's size as of that sync, and each fsync, rename and unlink.
 *
 * After the process is killed, the Java side (PowerLoss) replays the journal and puts any subset
 * of those blocks back to their pre-images: what a disk that had not yet written them would hold.
 * Writes are modelled per block, and a block is either wholly old or wholly new (disks write a
 * 4 KiB page atomically or not at all only in the best case; this models lost and reordered
 * pages, not torn sectors). Creations, renames and unlinks are treated as durable when they
 * happen (a journaling file system's metadata), but the data of a file renamed before it was
 * synced is still lost, as on ext4.
 *
 * Environment: POWERLOSS_DIR (absolute, canonical directory to watch), POWERLOSS_JOURNAL (file to
 * append the journal to). Without both, the library does nothing.
 *
 * Journal records, all integers little-endian u32/u64 as the host writes them (x86-64, aarch64):
 *   'B' pathLen path blockNo:u64 preLen:u32 pre[preLen]   a block's pre-image (preLen < 4096 at EOF)
 *   'Z' pathLen path size:u64                             the file's size at its last sync
 *   'S' pathLen path                                      fsync/fdatasync: all of it is durable now
 *   'R' pathLen path pathLen path                         rename(from, to)
 *   'U' pathLen path                                      unlink
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#define BLOCK 4096
#define MAX_FD 65536
#define SEEN_SLOTS (1 << 20)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char watched[PATH_MAX];
static size_t watchedLen;
static int journal = -1;
static int enabled = -1; /* -1 not yet initialised */

/* Per fd: 0 unknown, 1 watched, 2 not watched. Reset whenever the fd number is (re)created. */
static unsigned char fdState[MAX_FD];

/* Blocks journaled since their file's last sync: an open-addressed set of (path hash, block). */
static uint64_t seen[SEEN_SLOTS];
static size_t seenCount;

static ssize_t readBlock(int fd, char *buf, uint64_t b);

static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off64_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static ssize_t (*real_pwritev)(int, const struct iovec *, int, off_t);
static ssize_t (*real_pwritev64)(int, const struct iovec *, int, off64_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_ftruncate)(int, off_t);
static int (*real_ftruncate64)(int, off64_t);
static int (*real_close)(int);
static int (*real_rename)(const char *, const char *);
static int (*real_renameat)(int, const char *, int, const char *);
static int (*real_renameat2)(int, const char *, int, const char *, unsigned int);
static int (*real_unlink)(const char *);
static int (*real_unlinkat)(int, const char *, int);
static ssize_t (*real_sendfile64)(int, int, off64_t *, size_t);
static ssize_t (*real_copy_file_range)(int, off64_t *, int, off64_t *, size_t, unsigned int);
static int (*real_dup2)(int, int);
static int (*real_dup3)(int, int, int);

static void init(void) {
  if (enabled >= 0) {
    return;
  }
  real_write = dlsym(RTLD_NEXT, "write");
  real_pwrite = dlsym(RTLD_NEXT, "pwrite");
  real_pwrite64 = dlsym(RTLD_NEXT, "pwrite64");
  real_writev = dlsym(RTLD_NEXT, "writev");
  real_pwritev = dlsym(RTLD_NEXT, "pwritev");
  real_pwritev64 = dlsym(RTLD_NEXT, "pwritev64");
  real_fsync = dlsym(RTLD_NEXT, "fsync");
  real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
  real_ftruncate = dlsym(RTLD_NEXT, "ftruncate");
  real_ftruncate64 = dlsym(RTLD_NEXT, "ftruncate64");
  real_close = dlsym(RTLD_NEXT, "close");
  real_rename = dlsym(RTLD_NEXT, "rename");
  real_renameat = dlsym(RTLD_NEXT, "renameat");
  real_renameat2 = dlsym(RTLD_NEXT, "renameat2");
  real_unlink = dlsym(RTLD_NEXT, "unlink");
  real_unlinkat = dlsym(RTLD_NEXT, "unlinkat");
  real_sendfile64 = dlsym(RTLD_NEXT, "sendfile64");
  real_copy_file_range = dlsym(RTLD_NEXT, "copy_file_range");
  real_dup2 = dlsym(RTLD_NEXT, "dup2");
  real_dup3 = dlsym(RTLD_NEXT, "dup3");
  const char *dir = getenv("POWERLOSS_DIR");
  const char *jpath = getenv("POWERLOSS_JOURNAL");
  if (dir == NULL || jpath == NULL || strlen(dir) + 2 > sizeof(watched)) {
    enabled = 0;
    return;
  }
  strcpy(watched, dir);
  watchedLen = strlen(watched);
  if (watchedLen > 1 && watched[watchedLen - 1] == '/') {
    watched[--watchedLen] = 0;
  }
  journal = open(jpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (journal < 0) {
    fprintf(stderr, "powerloss: cannot open journal %s: %s\n", jpath, strerror(errno));
    abort();
  }
  enabled = 1;
}

static int underWatched(const char *path) {
  return strncmp(path, watched, watchedLen) == 0 && (path[watchedLen] == '/' || path[watchedLen] == 0);
}

/* The file's path if fd is a regular file under the watched dir; else 0. Caller holds lock. */
static int watchedPath(int fd, char *out) {
  if (fd < 0) {
    return 0;
  }
  if (fd < MAX_FD && fdState[fd] == 2) {
    return 0;
  }
  char link[64];
  snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, out, PATH_MAX - 1);
  if (n <= 0) {
    return 0;
  }
  out[n] = 0;
  int w = underWatched(out);
  if (w) {
    struct stat st;
    w = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  }
  if (fd < MAX_FD) {
    fdState[fd] = w ? 1 : 2;
  }
  return w;
}

static void forget(int fd) {
  if (fd >= 0 && fd < MAX_FD) {
    fdState[fd] = 0;
  }
}

static void jwrite(const void *buf, size_t len) {
  const char *p = buf;
  while (len > 0) {
    ssize_t n = real_write(journal, p, len);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      fprintf(stderr, "powerloss: journal write failed: %s\n", strerror(errno));
      abort();
    }
    p += n;
    len -= (size_t)n;
  }
}

static void jpath(const char *path) {
  uint32_t len = (uint32_t)strlen(path);
  jwrite(&len, 4);
  jwrite(path, len);
}

static uint64_t pathHash(const char *path) {
  uint64_t h = 1469598103934665603ULL;
  for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
    h = (h ^ *p) * 1099511628211ULL;
  }
  return h;
}

/* Adds key to the seen set; returns 1 if it was new. Keys are never 0. */
static int seenAdd(uint64_t key) {
  if (seenCount * 2 > SEEN_SLOTS) {
    /* Forgetting is safe: a block journaled again has a later pre-image, and the reader keeps
       the first one since the file's last sync. */
    memset(seen, 0, sizeof(seen));
    seenCount = 0;
  }
  size_t i = (size_t)(key * 0x9E3779B97F4A7C15ULL) & (SEEN_SLOTS - 1);
  while (seen[i] != 0) {
    if (seen[i] == key) {
      return 0;
    }
    i = (i + 1) & (SEEN_SLOTS - 1);
  }
  seen[i] = key;
  seenCount++;
  return 1;
}

static uint64_t blockKey(uint64_t ph, uint64_t block) {
  uint64_t k = ph ^ (block * 0xff51afd7ed558ccdULL);
  return k == 0 ? 1 : k;
}

static ssize_t iovLen(const struct iovec *iov, int n) {
  ssize_t t = 0;
  for (int i = 0; i < n; i++) {
    t += (ssize_t)iov[i].iov_len;
  }
  return t;
}

/* ---- per-file generations: a sync bumps the file's generation, so its keys start afresh ---- */
#define GEN_SLOTS 4096
static uint64_t genKeys[GEN_SLOTS];
static uint64_t genVals[GEN_SLOTS];

static uint64_t *genSlot(uint64_t ph) {
  size_t i = (size_t)ph & (GEN_SLOTS - 1);
  for (size_t probes = 0; probes < GEN_SLOTS; probes++) {
    if (genKeys[i] == ph || genKeys[i] == 0) {
      genKeys[i] = ph;
      return &genVals[i];
    }
    i = (i + 1) & (GEN_SLOTS - 1);
  }
  fprintf(stderr, "powerloss: too many files\n");
  abort();
}

static uint64_t generationOf(const char *path) {
  uint64_t ph = pathHash(path);
  return ph * 31 + *genSlot(ph) * 0x100000001b3ULL;
}

static void bumpGeneration(const char *path) {
  (*genSlot(pathHash(path)))++;
}

/* The key space used by before/noteSize: path hash mixed with the file's generation. */
#define WITH_GEN(path) generationOf(path)

/* Journals the file's size as of its last sync, once per sync (keyed as block ~0). */
static void recordSize(int fd, const char *path, uint64_t gk) {
  if (seenAdd(blockKey(gk, ~0ULL))) {
    struct stat st;
    uint64_t size = fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0;
    jwrite("Z", 1);
    jpath(path);
    jwrite(&size, 8);
  }
}

static void recordWrite(int fd, const char *path, uint64_t off, uint64_t len) {
  if (len == 0) {
    return;
  }
  uint64_t gk = WITH_GEN(path);
  recordSize(fd, path, gk);
  char buf[BLOCK];
  for (uint64_t b = off / BLOCK; b <= (off + len - 1) / BLOCK; b++) {
    if (!seenAdd(blockKey(gk, b))) {
      continue;
    }
    ssize_t n = readBlock(fd, buf, b);
    uint32_t pre = (uint32_t)n;
    jwrite("B", 1);
    jpath(path);
    jwrite(&b, 8);
    jwrite(&pre, 4);
    jwrite(buf, pre);
  }
}

static void recordSync(const char *path) {
  jwrite("S", 1);
  jpath(path);
  bumpGeneration(path);
}

/* The block's current content, also through a write-only fd (reopened read-only for it). */
static ssize_t readBlock(int fd, char *buf, uint64_t b) {
  ssize_t n = pread(fd, buf, BLOCK, (off_t)(b * BLOCK));
  if (n < 0 && errno == EBADF) {
    char link[64];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    int r = open(link, O_RDONLY | O_CLOEXEC);
    if (r >= 0) {
      n = pread(r, buf, BLOCK, (off_t)(b * BLOCK));
      real_close(r);
    }
  }
  if (n < 0) {
    fprintf(stderr, "powerloss: cannot read the block to be overwritten: %s\n", strerror(errno));
    abort();
  }
  return n;
}

/* Offset a write(2) on fd will use. */
static uint64_t currentOffset(int fd) {
  int fl = fcntl(fd, F_GETFL);
  if (fl >= 0 && (fl & O_APPEND)) {
    struct stat st;
    return fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0;
  }
  off_t o = lseek(fd, 0, SEEK_CUR);
  return o < 0 ? 0 : (uint64_t)o;
}

#define GUARD_BEGIN(fd)                  \
  init();                                \
  char path[PATH_MAX];                   \
  int w = 0;                             \
  if (enabled == 1) {                    \
    pthread_mutex_lock(&lock);           \
    w = watchedPath(fd, path);           \
    if (!w) {                            \
      pthread_mutex_unlock(&lock);       \
    }                                    \
  }
#define GUARD_END() \
  if (w) {          \
    pthread_mutex_unlock(&lock); \
  }

ssize_t write(int fd, const void *buf, size_t n) {
  GUARD_BEGIN(fd)
  if (w) {
    recordWrite(fd, path, currentOffset(fd), n);
  }
  ssize_t r = real_write(fd, buf, n);
  GUARD_END()
  return r;
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off) {
  GUARD_BEGIN(fd)
  if (w) {
    recordWrite(fd, path, (uint64_t)off, n);
  }
  ssize_t r = real_pwrite(fd, buf, n, off);
  GUARD_END()
  return r;
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off) {
  GUARD_BEGIN(fd)
  if (w) {
    recordWrite(fd, path, (uint64_t)off, n);
  }
  ssize_t r = real_pwrite64(fd, buf, n, off);
  GUARD_END()
  return r;
}

ssize_t writev(int fd, const struct iovec *iov, int cnt) {
  GUARD_BEGIN(fd)
  if (w) {
    recordWrite(fd, path, currentOffset(fd), (uint64_t)iovLen(iov, cnt));
  }
  ssize_t r = real_writev(fd, iov, cnt);
  GUARD_END()
  return r;
}

ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off) {
  GUARD_BEGIN(fd)
  if (w) {
    recordWrite(fd, path, (uint64_t)off, (uint64_t)iovLen(iov, cnt));
  }
  ssize_t r = real_pwritev(fd, iov, cnt, off);
  GUARD_END()
  return r;
}

ssize_t pwritev64(int fd, const struct iovec *iov, int cnt, off64_t off) {
  GUARD_BEGIN(fd)
  if (w) {
    recordWrite(fd, path, (uint64_t)off, (uint64_t)iovLen(iov, cnt));
  }
  ssize_t r = real_pwritev64(fd, iov, cnt, off);
  GUARD_END()
  return r;
}

ssize_t sendfile64(int out, int in, off64_t *off, size_t n) {
  GUARD_BEGIN(out)
  if (w) {
    recordWrite(out, path, currentOffset(out), n);
  }
  ssize_t r = real_sendfile64(out, in, off, n);
  GUARD_END()
  return r;
}

ssize_t copy_file_range(int in, off64_t *inOff, int out, off64_t *outOff, size_t n, unsigned int flags) {
  GUARD_BEGIN(out)
  if (w) {
    recordWrite(out, path, outOff != NULL ? (uint64_t)*outOff : currentOffset(out), n);
  }
  ssize_t r = real_copy_file_range(in, inOff, out, outOff, n, flags);
  GUARD_END()
  return r;
}

static void recordTruncate(int fd, const char *path, uint64_t len) {
  struct stat st;
  if (fstat(fd, &st) != 0) {
    return;
  }
  uint64_t size = (uint64_t)st.st_size;
  if (len < size) {
    recordWrite(fd, path, len, size - len); /* the cut-off blocks may come back */
  } else {
    recordSize(fd, path, WITH_GEN(path)); /* a longer file: the old size may come back */
  }
}

int ftruncate(int fd, off_t len) {
  GUARD_BEGIN(fd)
  if (w) {
    recordTruncate(fd, path, (uint64_t)len);
  }
  int r = real_ftruncate(fd, len);
  GUARD_END()
  return r;
}

int ftruncate64(int fd, off64_t len) {
  GUARD_BEGIN(fd)
  if (w) {
    recordTruncate(fd, path, (uint64_t)len);
  }
  int r = real_ftruncate64(fd, len);
  GUARD_END()
  return r;
}

int fsync(int fd) {
  GUARD_BEGIN(fd)
  int r = real_fsync(fd);
  if (w && r == 0) {
    recordSync(path);
  }
  GUARD_END()
  return r;
}

int fdatasync(int fd) {
  GUARD_BEGIN(fd)
  int r = real_fdatasync(fd);
  if (w && r == 0) {
    recordSync(path);
  }
  GUARD_END()
  return r;
}

int close(int fd) {
  init();
  if (enabled == 1) {
    pthread_mutex_lock(&lock);
    forget(fd);
    int r = real_close(fd);
    pthread_mutex_unlock(&lock);
    return r;
  }
  return real_close(fd);
}

int dup2(int oldfd, int newfd) {
  init();
  int r = real_dup2(oldfd, newfd);
  if (enabled == 1) {
    pthread_mutex_lock(&lock);
    forget(newfd);
    pthread_mutex_unlock(&lock);
  }
  return r;
}

int dup3(int oldfd, int newfd, int flags) {
  init();
  int r = real_dup3(oldfd, newfd, flags);
  if (enabled == 1) {
    pthread_mutex_lock(&lock);
    forget(newfd);
    pthread_mutex_unlock(&lock);
  }
  return r;
}

/* Absolute form of a path relative to dirfd (AT_FDCWD or a directory fd). */
static void absolute(int dirfd, const char *p, char *out) {
  if (p[0] == '/') {
    snprintf(out, PATH_MAX, "%s", p);
    return;
  }
  char base[PATH_MAX];
  if (dirfd == AT_FDCWD) {
    if (getcwd(base, sizeof(base)) == NULL) {
      base[0] = 0;
    }
  } else {
    char link[64];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
    ssize_t n = readlink(link, base, sizeof(base) - 1);
    base[n < 0 ? 0 : n] = 0;
  }
  snprintf(out, PATH_MAX, "%s/%s", base, p);
}

static void recordRename(int fromDir, const char *from, int toDir, const char *to) {
  char a[PATH_MAX], b[PATH_MAX];
  absolute(fromDir, from, a);
  absolute(toDir, to, b);
  if (underWatched(a) || underWatched(b)) {
    jwrite("R", 1);
    jpath(a);
    jpath(b);
    /* Unsynced blocks now belong to the new name: the journal's reader follows the rename and
       keeps the first pre-image of a block, so later writes under the new name may journal
       theirs again. */
    bumpGeneration(b);
  }
}

int rename(const char *from, const char *to) {
  init();
  if (enabled != 1) {
    return real_rename(from, to);
  }
  pthread_mutex_lock(&lock);
  int r = real_rename(from, to);
  if (r == 0) {
    recordRename(AT_FDCWD, from, AT_FDCWD, to);
  }
  pthread_mutex_unlock(&lock);
  return r;
}

int renameat(int fd1, const char *from, int fd2, const char *to) {
  init();
  if (enabled != 1) {
    return real_renameat(fd1, from, fd2, to);
  }
  pthread_mutex_lock(&lock);
  int r = real_renameat(fd1, from, fd2, to);
  if (r == 0) {
    recordRename(fd1, from, fd2, to);
  }
  pthread_mutex_unlock(&lock);
  return r;
}

int renameat2(int fd1, const char *from, int fd2, const char *to, unsigned int flags) {
  init();
  if (enabled != 1) {
    return real_renameat2(fd1, from, fd2, to, flags);
  }
  pthread_mutex_lock(&lock);
  int r = real_renameat2(fd1, from, fd2, to, flags);
  if (r == 0) {
    recordRename(fd1, from, fd2, to);
  }
  pthread_mutex_unlock(&lock);
  return r;
}

static void recordUnlink(int dirfd, const char *p) {
  char a[PATH_MAX];
  absolute(dirfd, p, a);
  if (underWatched(a)) {
    jwrite("U", 1);
    jpath(a);
    bumpGeneration(a);
  }
}

int unlink(const char *p) {
  init();
  if (enabled != 1) {
    return real_unlink(p);
  }
  pthread_mutex_lock(&lock);
  int r = real_unlink(p);
  if (r == 0) {
    recordUnlink(AT_FDCWD, p);
  }
  pthread_mutex_unlock(&lock);
  return r;
}

int unlinkat(int dirfd, const char *p, int flags) {
  init();
  if (enabled != 1) {
    return real_unlinkat(dirfd, p, flags);
  }
  pthread_mutex_lock(&lock);
  int r = real_unlinkat(dirfd, p, flags);
  if (r == 0 && !(flags & AT_REMOVEDIR)) {
    recordUnlink(dirfd, p);
  }
  pthread_mutex_unlock(&lock);
  return r;
}
