/*
 * The per-file syscalls of a hardlink checkout, a chunk of the plan per call (see
 * src/checkout-native.ts and src/checkout-link-core.ts, whose JavaScript does the same work and
 * stays the fallback). Node-API only, context-aware: loadable in the main thread and in the link
 * worker. No printing, no allocation per file, no JavaScript value per file.
 *
 * The plan is shared memory: `arena` holds every dirtree and every directory path; `files` has 4
 * int32 per file (name start, name end, checksum start, directory index), `dirs` 3 per directory
 * (path start, path end, parent index); `state` holds per-directory flags from `dir0` and per-file
 * outcomes from `file0`. Every name was validated by the planner before this runs.
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <unistd.h>

enum { DONE = 1, FALLBACK = 2, FILE_FIELDS = 4, DIR_FIELDS = 3 };
/* Outcome of a call: `out[0]` errno (0: stopped to wait for a parent directory), `out[1]` the syscall. */
enum { OP_NONE = 0, OP_LINK = 1, OP_SYMLINK = 2, OP_MKDIR = 3 };
enum { F_READ_META = 1, F_USER_MODE = 2 };
#define SYMLINK_MAX 4097
#define META_STACK 512

typedef struct {
  uint8_t *arena;
  size_t arena_len;
  int32_t *files;
  size_t nfiles;
  int32_t *dirs;
  size_t ndirs;
  int32_t *state;
  size_t nstate;
  uint8_t *prefix;
  size_t prefix_len;
  uint8_t *suffix;
  size_t suffix_len;
  int32_t *out;
} job_t;

/* A growable path buffer: paths longer than PATH_MAX are still built, for the kernel to refuse. */
typedef struct {
  char *p;
  size_t cap;
} buf_t;

static int reserve(buf_t *b, size_t n) {
  if (n <= b->cap) return 0;
  char *q = realloc(b->p, n * 2);
  if (!q) return -1;
  b->p = q;
  b->cap = n * 2;
  return 0;
}

static int typed(napi_env env, napi_value v, napi_typedarray_type want, void **data, size_t *len) {
  napi_typedarray_type t;
  size_t n;
  void *d;
  if (napi_get_typedarray_info(env, v, &t, &n, &d, NULL, NULL) != napi_ok || t != want) return -1;
  *data = d;
  *len = n;
  return 0;
}

static int32_t int_arg(napi_env env, napi_value v) {
  int32_t x = -1;
  napi_get_value_int32(env, v, &x);
  return x;
}

static napi_value number(napi_env env, int32_t x) {
  napi_value v;
  napi_create_int32(env, x, &v);
  return v;
}

static int in_arena(const job_t *j, int64_t start, int64_t end) {
  return start >= 0 && end >= start && (uint64_t)end <= j->arena_len;
}

/* The destination path of directory `d`; -1 when the plan is inconsistent or memory runs out. */
static int dir_path(const job_t *j, int32_t d, buf_t *b, size_t extra, size_t *len) {
  if (d < 0 || (size_t)d * DIR_FIELDS + 2 >= j->ndirs) return -1;
  int32_t s = j->dirs[d * DIR_FIELDS], e = j->dirs[d * DIR_FIELDS + 1];
  if (!in_arena(j, s, e) || reserve(b, (size_t)(e - s) + extra + 1) < 0) return -1;
  memcpy(b->p, j->arena + s, (size_t)(e - s));
  b->p[e - s] = 0;
  *len = (size_t)(e - s);
  return 0;
}

static int valid_utf8(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    size_t k;
    uint32_t cp;
    if (c < 0x80) {
      i++;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      k = 1, cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      k = 2, cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      k = 3, cp = c & 0x07;
    } else {
      return 0;
    }
    for (size_t m = 1; m <= k; m++) {
      if (i + m >= n || (s[i + m] & 0xc0) != 0x80) return 0;
      cp = (cp << 6) | (s[i + m] & 0x3f);
    }
    if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10ffff))) return 0;
    if (cp >= 0xd800 && cp <= 0xdfff) return 0;
    i += k + 1;
  }
  return 1;
}

/*
 * One file: DONE or FALLBACK, or -errno for a fatal error (out[1] says which syscall). Mirrors
 * `linkObject` of checkout-link-core.ts: bare-user objects carry the mode in `user.ostreemeta`;
 * a symlink object (a file holding the target) is recreated with symlink(2) in user mode.
 */
static int link_one(const job_t *j, int flags, const char *src, const char *dest) {
  if (flags & F_READ_META) {
    uint8_t stack[META_STACK];
    uint8_t *meta = stack;
    ssize_t n = lgetxattr(src, "user.ostreemeta", stack, sizeof stack);
    if (n < 0 && errno == ERANGE) {
      ssize_t size = lgetxattr(src, "user.ostreemeta", NULL, 0);
      if (size < 0) return FALLBACK;
      meta = malloc((size_t)size + 1);
      if (!meta) return FALLBACK;
      n = lgetxattr(src, "user.ostreemeta", meta, (size_t)size + 1);
    }
    /* (uuua(ayay)) starts with three big-endian u32s: the mode is bytes 8..12. */
    uint32_t mode = n >= 12 ? ((uint32_t)meta[8] << 24) | ((uint32_t)meta[9] << 16) | ((uint32_t)meta[10] << 8) | meta[11] : 0;
    if (meta != stack) free(meta);
    if (n < 12) return FALLBACK;
    if ((mode & 0170000) == 0120000) {
      if (!(flags & F_USER_MODE)) return FALLBACK;
      char target[SYMLINK_MAX + 1];
      int fd = open(src, O_RDONLY | O_CLOEXEC);
      if (fd < 0) return FALLBACK;
      ssize_t got = pread(fd, target, SYMLINK_MAX, 0);
      close(fd);
      if (got < 0) return FALLBACK;
      void *nul = memchr(target, 0, (size_t)got);
      size_t end = nul ? (size_t)((char *)nul - target) : (size_t)got;
      /* An invalid UTF-8 target takes the copy path, which handles every target the same way. */
      if (end == 0 || end == SYMLINK_MAX || !valid_utf8((uint8_t *)target, end)) return FALLBACK;
      target[end] = 0;
      if (symlink(target, dest) < 0) {
        j->out[1] = OP_SYMLINK;
        return -errno;
      }
      return DONE;
    }
  }
  if (link(src, dest) == 0) return DONE;
  int e = errno;
  if (e == EXDEV || e == EMLINK || e == EPERM || e == ENOENT) return FALLBACK;
  j->out[1] = OP_LINK;
  return -e;
}

static int get_job(napi_env env, napi_value *argv, job_t *j) {
  void *d;
  size_t n;
  if (typed(env, argv[0], napi_uint8_array, &d, &n) < 0) return -1;
  j->arena = d, j->arena_len = n;
  if (typed(env, argv[1], napi_int32_array, &d, &n) < 0) return -1;
  j->files = d, j->nfiles = n;
  if (typed(env, argv[2], napi_int32_array, &d, &n) < 0) return -1;
  j->dirs = d, j->ndirs = n;
  if (typed(env, argv[3], napi_int32_array, &d, &n) < 0) return -1;
  j->state = d, j->nstate = n;
  if (typed(env, argv[4], napi_uint8_array, &d, &n) < 0) return -1;
  j->prefix = d, j->prefix_len = n;
  if (typed(env, argv[5], napi_uint8_array, &d, &n) < 0) return -1;
  j->suffix = d, j->suffix_len = n;
  if (typed(env, argv[6], napi_int32_array, &d, &n) < 0 || n < 2) return -1;
  j->out = d;
  return 0;
}

/*
 * linkFiles(arena, files, dirs, state, prefix, suffix, out, file0, start, end, flags): files
 * [start, end). Returns -1 when all are done (state[file0 + i] = DONE or FALLBACK), or the index
 * of the file whose syscall failed (out[0] = errno, out[1] = the syscall); -2 for bad arguments.
 */
static napi_value link_files(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value argv[11];
  job_t j;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 11 || get_job(env, argv, &j) < 0) return number(env, -2);
  int32_t file0 = int_arg(env, argv[7]), start = int_arg(env, argv[8]), end = int_arg(env, argv[9]), flags = int_arg(env, argv[10]);
  if (file0 < 0 || start < 0 || end < start || (size_t)end * FILE_FIELDS > j.nfiles || (size_t)file0 + (size_t)end > j.nstate) return number(env, -2);
  static const char HEX[] = "0123456789abcdef";
  size_t slen = j.prefix_len + 65 + j.suffix_len;
  char *src = malloc(slen + 1);
  buf_t dest = {NULL, 0};
  if (!src) return number(env, -2);
  memcpy(src, j.prefix, j.prefix_len);
  src[j.prefix_len + 2] = '/';
  memcpy(src + j.prefix_len + 65, j.suffix, j.suffix_len);
  src[slen] = 0;
  int32_t result = -1, cur_dir = -1;
  size_t dir_len = 0;
  j.out[0] = 0, j.out[1] = OP_NONE;
  for (int32_t i = start; i < end; i++) {
    const int32_t *f = j.files + (size_t)i * FILE_FIELDS;
    if (!in_arena(&j, f[0], f[1]) || !in_arena(&j, f[2], (int64_t)f[2] + 32)) {
      result = -2;
      break;
    }
    if (f[3] != cur_dir) {
      if (dir_path(&j, f[3], &dest, 1, &dir_len) < 0) {
        result = -2;
        break;
      }
      dest.p[dir_len++] = '/';
      cur_dir = f[3];
    }
    size_t name_len = (size_t)(f[1] - f[0]);
    if (reserve(&dest, dir_len + name_len + 1) < 0) {
      result = -2;
      break;
    }
    memcpy(dest.p + dir_len, j.arena + f[0], name_len);
    dest.p[dir_len + name_len] = 0;
    char *p = src + j.prefix_len;
    for (int k = 0; k < 32; k++) {
      uint8_t v = j.arena[f[2] + k];
      *p++ = HEX[v >> 4];
      *p++ = HEX[v & 15];
      if (k == 0) p++;
    }
    int r = link_one(&j, flags, src, dest.p);
    if (r < 0) {
      j.out[0] = -r;
      result = i;
      break;
    }
    j.state[file0 + i] = r;
  }
  free(src);
  free(dest.p);
  return number(env, result);
}

/*
 * makeDirs(arena, files, dirs, state, prefix, suffix, out, dir0, start, end): mkdir(2) with mode
 * 0700 for directories [start, end), each after its parent's flag (state[dir0 + parent]) is set;
 * sets state[dir0 + d] = 1 (the caller notifies waiters). Returns -1 when all are created, or the
 * index it stopped at: out[0] = 0 when the parent is not created yet, else the errno of mkdir.
 */
static napi_value make_dirs(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  job_t j;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 10 || get_job(env, argv, &j) < 0) return number(env, -2);
  int32_t dir0 = int_arg(env, argv[7]), start = int_arg(env, argv[8]), end = int_arg(env, argv[9]);
  if (dir0 < 0 || start < 0 || end < start || (size_t)end * DIR_FIELDS > j.ndirs || (size_t)dir0 + (size_t)end > j.nstate) return number(env, -2);
  buf_t path = {NULL, 0};
  int32_t result = -1;
  j.out[0] = 0, j.out[1] = OP_NONE;
  for (int32_t d = start; d < end; d++) {
    int32_t parent = j.dirs[(size_t)d * DIR_FIELDS + 2];
    if (parent < 0 || parent >= d) {
      result = -2;
      break;
    }
    if (__atomic_load_n(&j.state[dir0 + parent], __ATOMIC_SEQ_CST) == 0) {
      result = d;
      break;
    }
    size_t len;
    if (dir_path(&j, d, &path, 0, &len) < 0) {
      result = -2;
      break;
    }
    if (mkdir(path.p, 0700) < 0) {
      j.out[0] = errno;
      j.out[1] = OP_MKDIR;
      result = d;
      break;
    }
    __atomic_store_n(&j.state[dir0 + d], 1, __ATOMIC_SEQ_CST);
  }
  free(path.p);
  return number(env, result);
}

/* The metadata size limit of readMetadataObjectSync (repo-objects.ts). */
#define READ_MAX (64 * 1024 * 1024)

/*
 * readObject(path): the bytes of a small regular file, read as readMetadataObjectSync reads an
 * object (O_NOFOLLOW, O_NONBLOCK, fstat: a regular file of at most 64 MiB, read to its end), or
 * null for anything else — the caller then reads it with readMetadataObjectSync, which reports the
 * problem. The caller verifies the checksum. One call instead of five `fs` calls from cold code.
 */
static napi_value read_object(napi_env env, napi_callback_info info) {
  size_t argc = 1, len = 0;
  napi_value argv[1], result = NULL;
  char path[4097];
  napi_get_null(env, &result);
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) return result;
  if (napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len) != napi_ok || len >= sizeof path - 1 || strlen(path) != len) return result;
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return result;
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= READ_MAX) {
    size_t size = (size_t)st.st_size, got = 0;
    uint8_t *buf = malloc(size + 1);
    if (buf) {
      for (;;) {
        ssize_t n = read(fd, buf + got, size + 1 - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          if (n == 0) napi_create_buffer_copy(env, got, buf, NULL, &result);
          break;
        }
        got += (size_t)n;
        if (got > size) break; /* it grew since fstat: the JavaScript reader handles that */
      }
      free(buf);
    }
  }
  close(fd);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "linkFiles", NAPI_AUTO_LENGTH, link_files, NULL, &fn);
  napi_set_named_property(env, exports, "linkFiles", fn);
  napi_create_function(env, "makeDirs", NAPI_AUTO_LENGTH, make_dirs, NULL, &fn);
  napi_set_named_property(env, exports, "makeDirs", fn);
  napi_create_function(env, "readObject", NAPI_AUTO_LENGTH, read_object, NULL, &fn);
  napi_set_named_property(env, exports, "readObject", fn);
  return exports;
}
