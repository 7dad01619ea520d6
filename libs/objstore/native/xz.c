/*
 * xz decompression of static-delta parts through the system liblzma (loaded by
 * src/delta/xz-native.ts; `lzma-native`, which bundles liblzma 5.2.3, stays the fallback). One
 * function, `xzDecode(input, maxOutput)`: a promise of a Buffer with the decoded bytes, decoded on
 * libuv's thread pool. Node-API only, context-aware, no printing.
 *
 * It accepts exactly what `lzma-native`'s decompressor stream accepts (tested against it): liblzma's
 * auto decoder (.xz, or legacy .lzma) without flags, 256 MiB memory limit; after the end of a stream
 * any run of zero bytes is skipped and a further stream is decoded, so concatenated streams decode
 * to the concatenation; anything else after a stream is decoded as a new stream and fails. Where
 * lzma-native drops the rest of its input chunk after a .lzma stream (it splits its input after
 * every "YZ", the last two bytes of an .xz stream) this does the same.
 *
 * The output never grows beyond `maxOutput`: its buffer grows by doubling up to that size, then
 * liblzma writes into a one-byte probe, and a byte there fails the call at once (xz bombs).
 * Rejections: an Error shaped like lzma-native's (message, `name` "LZMA_DATA_ERROR" etc., numeric
 * `code`, `desc`), or one with `code` "ERR_XZ_OUTPUT_LIMIT" when the output would exceed maxOutput.
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <lzma.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MEMLIMIT (256u * 1024u * 1024u)
#define MIN_CAPACITY (64u * 1024u)

enum { XZ_OK = 0, XZ_LZMA_ERROR = 1, XZ_LIMIT = 2 };

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  uint8_t *in;
  size_t in_len;
  size_t max_out;
  uint8_t *out;
  size_t out_len;
  int outcome;
  lzma_ret ret;
} XzJob;

/* Where lzma-native's input chunk that has `pos` ends: after the first "YZ" ending at or after `pos`
   (it splits its input after every "YZ"), else at `len`. */
static size_t after_yz(const uint8_t *in, size_t pos, size_t len) {
  for (size_t i = pos >= 2 ? pos - 2 : 0; i + 1 < len; i++)
    if (in[i] == 'Y' && in[i + 1] == 'Z') return i + 2;
  return len;
}

static void decode(XzJob *job) {
  lzma_stream s = LZMA_STREAM_INIT;
  lzma_ret ret = lzma_auto_decoder(&s, MEMLIMIT, 0);
  if (ret != LZMA_OK) {
    job->outcome = XZ_LZMA_ERROR;
    job->ret = ret;
    return;
  }
  size_t cap = job->in_len > SIZE_MAX / 2 ? SIZE_MAX : job->in_len * 2;
  if (cap < MIN_CAPACITY) cap = MIN_CAPACITY;
  if (cap > job->max_out) cap = job->max_out;
  uint8_t *out = malloc(cap ? cap : 1);
  uint8_t probe[1];
  int probing = 0;
  if (!out) {
    lzma_end(&s);
    job->outcome = XZ_LZMA_ERROR;
    job->ret = LZMA_MEM_ERROR;
    return;
  }
  s.next_in = job->in;
  s.avail_in = job->in_len;
  s.next_out = out;
  s.avail_out = cap;
  for (;;) {
    if (s.avail_out == 0) {
      if (cap < job->max_out) {
        size_t grown = cap > job->max_out / 2 ? job->max_out : cap * 2;
        uint8_t *bigger = realloc(out, grown);
        if (!bigger) {
          ret = LZMA_MEM_ERROR;
          break;
        }
        out = bigger;
        s.next_out = out + cap;
        s.avail_out = grown - cap;
        cap = grown;
      } else {
        /* Full at maxOutput: any further byte is one too many. */
        probing = 1;
        s.next_out = probe;
        s.avail_out = sizeof probe;
      }
    }
    ret = lzma_code(&s, s.avail_in ? LZMA_RUN : LZMA_FINISH);
    if (probing && s.avail_out == 0) {
      job->outcome = XZ_LIMIT;
      break;
    }
    if (ret == LZMA_STREAM_END) {
      /* lzma-native drops the rest of its input chunk, which ends after the first "YZ" ending at or
         after this position (an .xz stream ends with one, so only a .lzma stream drops anything), */
      size_t pos = after_yz(job->in, job->in_len - s.avail_in, job->in_len);
      /* then skips zero bytes and decodes what follows as a new stream. */
      while (pos < job->in_len && job->in[pos] == 0) pos++;
      if (pos == job->in_len) {
        ret = LZMA_OK;
        break;
      }
      uint8_t *next_out = s.next_out;
      size_t avail_out = s.avail_out;
      ret = lzma_auto_decoder(&s, MEMLIMIT, 0);
      if (ret != LZMA_OK) break;
      s.next_in = job->in + pos;
      s.avail_in = job->in_len - pos;
      s.next_out = next_out;
      s.avail_out = avail_out;
      continue;
    }
    if (ret != LZMA_OK) break;
  }
  lzma_end(&s);
  if (job->outcome == XZ_OK && ret != LZMA_OK) {
    job->outcome = XZ_LZMA_ERROR;
    job->ret = ret;
  }
  if (job->outcome != XZ_OK) {
    free(out);
    return;
  }
  job->out_len = probing ? cap : (size_t)(s.next_out - out);
  /* Give back the unused tail (glibc shrinks a large block in place). */
  if (job->out_len && job->out_len < cap) {
    uint8_t *exact = realloc(out, job->out_len);
    if (exact) out = exact;
  }
  job->out = out;
}

static void execute(napi_env env, void *data) {
  (void)env;
  XzJob *job = data;
  decode(job);
  free(job->in);
  job->in = NULL;
}

static void free_output(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data);
}

/* lzma-native's error for a liblzma return code: the same message, name, code and desc. */
static napi_value lzma_error(napi_env env, lzma_ret ret) {
  static const struct {
    lzma_ret code;
    const char *name, *desc;
  } table[] = {
      {LZMA_MEM_ERROR, "LZMA_MEM_ERROR", "Cannot allocate memory"},
      {LZMA_MEMLIMIT_ERROR, "LZMA_MEMLIMIT_ERROR", "Memory usage limit was reached"},
      {LZMA_FORMAT_ERROR, "LZMA_FORMAT_ERROR", "File format not recognized"},
      {LZMA_OPTIONS_ERROR, "LZMA_OPTIONS_ERROR", "Invalid or unsupported options"},
      {LZMA_DATA_ERROR, "LZMA_DATA_ERROR", "Data is corrupt"},
      {LZMA_PROG_ERROR, "LZMA_PROG_ERROR", "Programming error"},
      {LZMA_BUF_ERROR, "LZMA_BUF_ERROR", "No progress is possible"},
  };
  const char *name = "LZMA_UNKNOWN_ERROR", *desc = "Unknown error code";
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (table[i].code == ret) {
      name = table[i].name;
      desc = table[i].desc;
    }
  napi_value msg, error, value;
  napi_create_string_utf8(env, desc, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, NULL, msg, &error);
  napi_create_int32(env, (int32_t)ret, &value);
  napi_set_named_property(env, error, "code", value);
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &value);
  napi_set_named_property(env, error, "name", value);
  napi_set_named_property(env, error, "desc", msg);
  return error;
}

static napi_value simple_error(napi_env env, const char *code, const char *message) {
  napi_value c, msg, error;
  napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &c);
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, c, msg, &error);
  return error;
}

static void complete(napi_env env, napi_status status, void *data) {
  XzJob *job = data;
  napi_value result = NULL;
  int ok = 0;
  if (status != napi_ok) {
    result = simple_error(env, "ECANCELED", "xzDecode: cancelled");
  } else if (job->outcome == XZ_LIMIT) {
    result = simple_error(env, "ERR_XZ_OUTPUT_LIMIT", "xzDecode: output exceeds maxOutput");
  } else if (job->outcome == XZ_LZMA_ERROR) {
    result = lzma_error(env, job->ret);
  } else if (job->out_len == 0) {
    void *unused;
    ok = napi_create_buffer(env, 0, &unused, &result) == napi_ok;
  } else {
    /* The decoded bytes become the Buffer's memory (freed by its finalizer); copied only where
       external buffers are not allowed (a V8 sandbox). */
    napi_status made = napi_create_external_buffer(env, job->out_len, job->out, free_output, NULL, &result);
    if (made == napi_ok) {
      job->out = NULL;
      ok = 1;
    } else {
      void *unused;
      ok = napi_create_buffer_copy(env, job->out_len, job->out, &unused, &result) == napi_ok;
    }
    if (!ok) result = simple_error(env, "ENOMEM", "xzDecode: cannot allocate the output buffer");
  }
  if (ok)
    napi_resolve_deferred(env, job->deferred, result);
  else
    napi_reject_deferred(env, job->deferred, result);
  napi_delete_async_work(env, job->work);
  free(job->out);
  free(job->in);
  free(job);
}

static napi_value xz_decode(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  bool is_typed = false;
  napi_typedarray_type type;
  size_t length = 0;
  void *bytes = NULL;
  double max = 0;
  if (argc < 2 || napi_is_typedarray(env, argv[0], &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, argv[0], &type, &length, &bytes, NULL, NULL) != napi_ok || type != napi_uint8_array ||
      napi_get_value_double(env, argv[1], &max) != napi_ok || !(max >= 0)) {
    napi_throw_type_error(env, NULL, "xzDecode(input, maxOutput): input must be a Uint8Array, maxOutput a number >= 0");
    return NULL;
  }
  XzJob *job = calloc(1, sizeof *job);
  /* A copy: the caller may reuse or transfer its buffer while the thread pool decodes. */
  uint8_t *in = malloc(length ? length : 1);
  if (!job || !in) {
    free(job);
    free(in);
    napi_throw_error(env, "ENOMEM", "xzDecode: out of memory");
    return NULL;
  }
  if (length) memcpy(in, bytes, length);
  job->in = in;
  job->in_len = length;
  job->max_out = max >= (double)SIZE_MAX ? SIZE_MAX : (size_t)max;
  napi_value promise, name;
  napi_create_promise(env, &job->deferred, &promise);
  napi_create_string_utf8(env, "tsostree:xzDecode", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, execute, complete, job, &job->work);
  napi_queue_async_work(env, job->work);
  return promise;
}

NAPI_MODULE_INIT() {
  napi_value fn, version;
  napi_create_function(env, "xzDecode", NAPI_AUTO_LENGTH, xz_decode, NULL, &fn);
  napi_set_named_property(env, exports, "xzDecode", fn);
  napi_create_string_utf8(env, lzma_version_string(), NAPI_AUTO_LENGTH, &version);
  napi_set_named_property(env, exports, "liblzmaVersion", version);
  return exports;
}
