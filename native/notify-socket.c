// The one thing Node cannot do for sd_notify(3): send a datagram on an AF_UNIX socket (Node's dgram speaks
// UDP only). Three calls, N-API only (no V8 or nan headers, so one build serves every Node >= 20):
//   open()                        -> fd of a non-blocking, close-on-exec AF_UNIX SOCK_DGRAM socket
//   send(fd, address, payload)    -> 0, or a negative errno; address is a path or "@abstract"
//   close(fd)                     -> 0, or a negative errno
// The address length is computed exactly, so an abstract name ("@..." → a leading NUL) is matched by the
// kernel byte for byte, as systemd's own sd_notify does.
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <node_api.h>

#include "napi-args.h"

static napi_value make_int(napi_env env, int value) {
  napi_value result;
  napi_create_int32(env, value, &result);
  return result;
}

static napi_value open_socket(napi_env env, napi_callback_info info) {
  (void)info;
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  return make_int(env, fd < 0 ? -errno : fd);
}

static napi_value send_datagram(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!take_args(env, info, 3, argv, "send(fd, address, payload) takes three arguments")) return NULL;
  int32_t fd;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok) return fail(env, "fd must be a number");

  struct sockaddr_un address;
  memset(&address, 0, sizeof(address));
  address.sun_family = AF_UNIX;
  char text[sizeof(address.sun_path) + 1];
  size_t length = 0;
  if (napi_get_value_string_utf8(env, argv[1], text, sizeof(text), &length) != napi_ok)
    return fail(env, "address must be a string");
  if (length == 0 || length >= sizeof(address.sun_path)) return make_int(env, -ENAMETOOLONG);
  memcpy(address.sun_path, text, length);
  // "@name" is the abstract name "\0name": no terminating NUL counts, the length says where it ends.
  if (text[0] == '@') address.sun_path[0] = '\0';
  socklen_t address_length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + length);

  void *data;
  size_t size;
  if (napi_get_buffer_info(env, argv[2], &data, &size) != napi_ok) return fail(env, "payload must be a Buffer");
  // MSG_NOSIGNAL: a receiver that went away is an errno here, never a SIGPIPE.
  ssize_t sent = sendto(fd, data, size, MSG_NOSIGNAL | MSG_DONTWAIT, (struct sockaddr *)&address, address_length);
  return make_int(env, sent < 0 ? -errno : 0);
}

static napi_value close_socket(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!take_args(env, info, 1, argv, "close(fd) takes one number")) return NULL;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok) return fail(env, "close(fd) takes one number");
  return make_int(env, close(fd) < 0 ? -errno : 0);
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
      {"open", NULL, open_socket, NULL, NULL, NULL, napi_default, NULL},
      {"send", NULL, send_datagram, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, close_socket, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(methods) / sizeof(methods[0]), methods);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
