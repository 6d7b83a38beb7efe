# The native part of tsgi: one small N-API addon that sends sd_notify datagrams (native/notify-socket.c).
# npm runs `node-gyp rebuild` on install because this file exists; tsgi still runs without the result.
{
  "targets": [
    {
      "target_name": "notify_socket",
      "sources": ["native/notify-socket.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
