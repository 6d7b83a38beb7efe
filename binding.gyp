# The native part of tsgi: two small N-API addons, each for one thing Node cannot do: send sd_notify
# datagrams (native/notify-socket.c), and ask whether a file is open for writing (native/write-lease.c).
# npm runs `node-gyp rebuild` on install because this file exists; tsgi still runs without the results.
{
  "targets": [
    {
      "target_name": "notify_socket",
      "sources": ["native/notify-socket.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "defines": ["NAPI_VERSION=8"]
    },
    {
      "target_name": "write_lease",
      "sources": ["native/write-lease.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
