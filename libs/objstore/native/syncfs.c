/*
 * syncfs(2) for Node, which has no binding for it (loaded by src/syncfs-native.ts). One function,
 * `syncfs(path)`: a promise of the errno (0 on success) of opening `path` read-only and calling
 * syncfs on it, run on libuv's thread pool so the event loop keeps going while the filesystem
 * writes back. Without this addon the package spawns coreutils' `sync -f` instead.
 */
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  char *path;
  int err;
} SyncJob;

static void execute(napi_env env, void *data) {
  (void)env;
  SyncJob *job = data;
  int fd = open(job->path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    job->err = errno;
    return;
  }
  job->err = syncfs(fd) == 0 ? 0 : errno;
  close(fd);
}

static void complete(napi_env env, napi_status status, void *data) {
  SyncJob *job = data;
  napi_value result;
  napi_create_int32(env, status == napi_ok ? job->err : ECANCELED, &result);
  napi_resolve_deferred(env, job->deferred, result);
  napi_delete_async_work(env, job->work);
  free(job->path);
  free(job);
}

static napi_value sync_fs(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  size_t len = 0;
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], NULL, 0, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "syncfs(path): path must be a string");
    return NULL;
  }
  SyncJob *job = calloc(1, sizeof *job);
  char *path = malloc(len + 1);
  if (!job || !path) {
    free(job);
    free(path);
    napi_throw_error(env, "ENOMEM", "syncfs: out of memory");
    return NULL;
  }
  napi_get_value_string_utf8(env, argv[0], path, len + 1, &len);
  if (strlen(path) != len) {
    free(job);
    free(path);
    napi_throw_type_error(env, NULL, "syncfs(path): path contains a NUL byte");
    return NULL;
  }
  job->path = path;
  napi_value promise, name;
  napi_create_promise(env, &job->deferred, &promise);
  napi_create_string_utf8(env, "tsostree:syncfs", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, execute, complete, job, &job->work);
  napi_queue_async_work(env, job->work);
  return promise;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "syncfs", NAPI_AUTO_LENGTH, sync_fs, NULL, &fn);
  napi_set_named_property(env, exports, "syncfs", fn);
  return exports;
}
