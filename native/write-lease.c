// "Does any process have this file open for writing?", asked of the kernel the one way Linux answers it: a
// read lease (fcntl(2) F_SETLEASE F_RDLCK) is refused with EAGAIN while any fd on the file, in any process,
// is open for writing. The emperor's monitor uses the answer to report a vassal file as soon as its writer
// has closed it (src/platform/is-open-for-writing.ts). One call, N-API only, run on libuv's thread pool so
// that a slow filesystem never stalls the event loop:
//   probe(path, isNofollow, expected) -> Promise<number>
//     0   no process has it open for writing: the lease was granted, and released at once
//     1   some process has it open for writing
//     2   not a regular file, or not the file `expected` describes
//     < 0 a negative errno: cannot tell (EACCES: neither the file's owner nor CAP_LEASE; EINVAL: this
//         filesystem refuses leases; EWOULDBLOCK: another holder's write lease; ENOENT, ELOOP …)
// `expected` is a BigInt64Array of [dev, ino, mtime in ns, size] as the caller's stat saw them, or empty
// for no such check: the fd is compared with it (fstat), so a file swapped in after that stat cannot pass
// for the one that was statted.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <node_api.h>

#include "napi-args.h"

enum { NO_WRITERS = 0, HAS_WRITERS = 1, OTHER_FILE = 2 };

struct probe {
  napi_async_work work;
  napi_deferred deferred;
  char *path;
  bool is_nofollow;
  bool has_expected;
  int64_t expected[4];
  int result;
};

static bool is_expected(const struct probe *probe, const struct stat *info) {
  if (!probe->has_expected) return true;
  int64_t mtime_ns = (int64_t)info->st_mtim.tv_sec * 1000000000 + info->st_mtim.tv_nsec;
  return (uint64_t)probe->expected[0] == (uint64_t)info->st_dev &&
         (uint64_t)probe->expected[1] == (uint64_t)info->st_ino && probe->expected[2] == mtime_ns &&
         probe->expected[3] == (int64_t)info->st_size;
}

static int probe_file(const struct probe *probe) {
  struct stat info;
  // Only a regular file is opened: opening a FIFO or a device for reading is not free of effects (a FIFO's
  // waiting writer would be let through). The fstat below is what guards against a swap.
  if ((probe->is_nofollow ? lstat(probe->path, &info) : stat(probe->path, &info)) < 0) return -errno;
  if (!S_ISREG(info.st_mode)) return OTHER_FILE;
  // O_NONBLOCK: another holder's write lease fails the open (EWOULDBLOCK) instead of waiting for its break.
  int flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | (probe->is_nofollow ? O_NOFOLLOW : 0);
  int fd = open(probe->path, flags);
  if (fd < 0) return -errno;
  int result;
  if (fstat(fd, &info) < 0)
    result = -errno;
  else if (!S_ISREG(info.st_mode) || !is_expected(probe, &info))
    result = OTHER_FILE;
  // Should a writer open the file in the microseconds the lease is held, the kernel tells the holder with a
  // signal, SIGIO unless set, and SIGIO would end a Node process. SIGURG is ignored unless handled.
  else if (fcntl(fd, F_SETSIG, SIGURG) < 0)
    result = -errno;
  else if (fcntl(fd, F_SETLEASE, F_RDLCK) < 0)
    result = errno == EAGAIN ? HAS_WRITERS : -errno;
  else {
    fcntl(fd, F_SETLEASE, F_UNLCK);
    result = NO_WRITERS;
  }
  close(fd);
  return result;
}

static void execute(napi_env env, void *data) {
  (void)env;
  struct probe *probe = data;
  probe->result = probe_file(probe);
}

static void complete(napi_env env, napi_status status, void *data) {
  struct probe *probe = data;
  napi_value value;
  napi_create_int32(env, status == napi_ok ? probe->result : -ECANCELED, &value);
  napi_resolve_deferred(env, probe->deferred, value);
  if (probe->work != NULL) napi_delete_async_work(env, probe->work);
  free(probe->path);
  free(probe);
}

static napi_value start_probe(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!take_args(env, info, 3, argv, "probe(path, isNofollow, expected) takes three arguments")) return NULL;
  size_t length;
  if (napi_get_value_string_utf8(env, argv[0], NULL, 0, &length) != napi_ok)
    return fail(env, "path must be a string");
  bool is_nofollow;
  if (napi_get_value_bool(env, argv[1], &is_nofollow) != napi_ok) return fail(env, "isNofollow must be a boolean");
  napi_typedarray_type type;
  size_t count;
  void *expected;
  if (napi_get_typedarray_info(env, argv[2], &type, &count, &expected, NULL, NULL) != napi_ok ||
      type != napi_bigint64_array || (count != 0 && count != 4))
    return fail(env, "expected must be a BigInt64Array of [dev, ino, mtimeNs, size], or empty");

  struct probe *probe = calloc(1, sizeof(*probe));
  char *path = malloc(length + 1);
  if (probe == NULL || path == NULL) {
    free(probe);
    free(path);
    return fail(env, "out of memory");
  }
  probe->path = path;
  napi_get_value_string_utf8(env, argv[0], path, length + 1, &length);
  probe->is_nofollow = is_nofollow;
  probe->has_expected = count == 4;
  if (probe->has_expected) memcpy(probe->expected, expected, sizeof(probe->expected));
  // A NUL inside the string would name another file than the one asked about.
  probe->result = strlen(path) == length ? 0 : -EINVAL;

  napi_value promise, name;
  if (napi_create_promise(env, &probe->deferred, &promise) != napi_ok) {
    free(path);
    free(probe);
    return fail(env, "cannot make a promise");
  }
  // From here on the promise is always resolved, by complete(), whatever fails: a caller never waits forever.
  if (probe->result < 0) {
    complete(env, napi_ok, probe);
  } else if (napi_create_string_utf8(env, "tsgi:write-lease", NAPI_AUTO_LENGTH, &name) != napi_ok ||
             napi_create_async_work(env, NULL, name, execute, complete, probe, &probe->work) != napi_ok ||
             napi_queue_async_work(env, probe->work) != napi_ok) {
    complete(env, napi_generic_failure, probe);
  }
  return promise;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
      {"probe", NULL, start_probe, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(methods) / sizeof(methods[0]), methods);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
