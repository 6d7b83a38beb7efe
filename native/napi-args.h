// What every call of tsgi's N-API addons starts with: take exactly its arguments, or throw a TypeError that
// says how it is called. A header of static functions, as each addon is built on its own.
#ifndef TSGI_NAPI_ARGS_H
#define TSGI_NAPI_ARGS_H

#include <stdbool.h>

#include <node_api.h>

static napi_value fail(napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

/** Fills argv with the call's `count` arguments; false (with a TypeError thrown, saying `usage`) otherwise. */
static bool take_args(napi_env env, napi_callback_info info, size_t count, napi_value *argv, const char *usage) {
  size_t argc = count;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc == count) return true;
  fail(env, usage);
  return false;
}

#endif
