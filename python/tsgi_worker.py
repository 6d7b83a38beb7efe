"""tsgi's WSGI worker: one process of a tsgi instance running a Python app (PEP 3333).

The master starts it through setpriv with the vassal's interpreter, its listening sockets on fds 4 and up and
its control channel on fd 3: Node's IPC channel in 'json' mode, one JSON object per line both ways (DESIGN.md
decision 5). It waits for `start`, imports the apps, says `ready` (or `load-failed`, then exits 4), serves the
inherited sockets itself (the uwsgi protocol, and HTTP/1.1 with keep-alive) with a pool of `threads` threads,
and on `drain` stops accepting, finishes what is in flight, closes idle connections and exits 0. It exits at
once when the channel closes (the master is gone). Standard library only: it runs in any Python 3.8+.
"""

import atexit
import errno
import importlib
import importlib.machinery
import importlib.util
import io
import json
import os
import queue
import selectors
import signal
import socket
import sys
import tempfile
import threading
import time
import traceback
from urllib.parse import unquote_to_bytes

CHANNEL_FD = 3
#: Exit code for "the app failed to load" (DESIGN.md exit codes).
EXIT_LOAD_FAILED = 4
#: How long an idle HTTP keep-alive connection stays open (Node's http server default).
KEEPALIVE_IDLE_S = 5.0
#: How many connections in a row the loop accepts without a select() in between (see _next_connection).
HOT_ACCEPTS = 16
#: The body bytes left unread by an app that a keep-alive connection reads and discards before the next request.
MAX_DISCARD_BYTES = 1 << 20
READ_CHUNK = 65536
HOP_BY_HOP = frozenset(("connection", "keep-alive", "transfer-encoding"))
HTTP_METHODS_WITHOUT_BODY = frozenset(("GET", "HEAD", "DELETE", "OPTIONS", "TRACE"))
REASONS = {400: "Bad Request", 404: "Not Found", 413: "Content Too Large", 431: "Request Header Fields Too Large",
           500: "Internal Server Error", 501: "Not Implemented", 505: "HTTP Version Not Supported"}


class ProtocolError(Exception):
    """A malformed request: logged in one line, answered with `status` when there is one, connection closed."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


class ClientGone(Exception):
    """The client closed the connection or stalled beyond the timeout."""


# ---------------------------------------------------------------------------------------------------- logging


class Log:
    """Lines in the master's shape: optional `log-date`, the vassal prefix, journal priorities under journald."""

    def __init__(self, prefix, date_format):
        self.prefix = prefix
        self.is_journal = _stderr_is_journal()
        self.date_format = None if self.is_journal else date_format

    def line(self, text, priority=6):
        date = "" if self.date_format is None else time.strftime(self.date_format) + " - "
        mark = "<%d>" % priority if self.is_journal else ""
        lines = "".join("%s%s%s%s\n" % (mark, date, self.prefix, part) for part in str(text).split("\n"))
        _write_all(2, lines.encode("utf-8", "replace"))

    def error(self, text):
        self.line(text, 3)


def _stderr_is_journal():
    stream = os.environ.get("JOURNAL_STREAM", "")
    try:
        dev, ino = (int(part) for part in stream.split(":"))
        st = os.fstat(2)
        return st.st_dev == dev and st.st_ino == ino
    except (ValueError, OSError):
        return False


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        try:
            written = os.write(fd, view)
        except InterruptedError:
            continue
        except OSError:
            return
        view = view[written:]


class ErrorStream(io.TextIOBase):
    """wsgi.errors, and the app's sys.stdout/sys.stderr: text goes to the worker's log a line at a time, each
    line with the vassal's prefix (DESIGN.md "Logs")."""

    encoding = "utf-8"

    def __init__(self, log):
        super().__init__()
        self._log = log
        self._lock = threading.Lock()
        self._pending = ""

    def fileno(self):
        return 2  # faulthandler and friends write to the fd itself.

    def isatty(self):
        return False

    def writable(self):
        return True

    def write(self, text):
        with self._lock:
            self._pending += text
            *complete, self._pending = self._pending.split("\n")
        for line in complete:
            self._log.line(line)
        return len(text)

    def writelines(self, lines):
        for text in lines:
            self.write(text)

    def flush(self):
        with self._lock:
            rest, self._pending = self._pending, ""
        if rest:
            self._log.line(rest)


# ---------------------------------------------------------------------------------------------- control channel


class Channel:
    """The master's control channel on fd 3: newline-delimited JSON, as Node's `serialization: 'json'` frames it."""

    def __init__(self, fd):
        self.fd = fd
        os.set_blocking(fd, True)
        self._lock = threading.Lock()
        self._buffer = b""

    def send(self, message):
        data = (json.dumps(message, separators=(",", ":")) + "\n").encode("utf-8")
        with self._lock:
            _write_all(self.fd, data)

    def receive(self):
        """The next message (a dict), or None once the master closed the channel."""
        while True:
            line, newline, rest = self._buffer.partition(b"\n")
            if newline:
                self._buffer = rest
                try:
                    message = json.loads(line)
                except ValueError:
                    continue
                if isinstance(message, dict):
                    return message
                continue
            try:
                chunk = os.read(self.fd, 65536)
            except InterruptedError:
                continue
            except OSError:
                return None
            if not chunk:
                return None
            self._buffer += chunk


# -------------------------------------------------------------------------------------------------- app loading


class LoadError(Exception):
    """The app could not be loaded; `summary` is one line, the traceback is logged by the caller."""

    def __init__(self, summary):
        super().__init__(summary)
        self.summary = summary


def _split_callable(target, default_callable):
    """`file.py:name` / `pkg.mod:Name()` → (where, name, is_factory)."""
    where, colon, name = target.rpartition(":")
    if not colon or "/" in name or name == "":
        where, name = target, default_callable
    is_factory = name.endswith("()")
    if is_factory:
        name = name[:-2]
    return where, name, is_factory


def _is_file_target(where):
    """A path, not a module: it has a '/', or names an existing .py/.wsgi file (`django.core.handlers.wsgi` ends
    in .wsgi too, and is a module)."""
    return "/" in where or (where.endswith((".py", ".wsgi")) and os.path.isfile(where))


def _setup_django_if_its_handler(module_name):
    """`django.core.handlers.wsgi:WSGIHandler()` as old guides write it needs the app registry set up first,
    which `django.core.wsgi.get_wsgi_application()` does and the bare handler does not (AppRegistryNotReady)."""
    if module_name == "django.core.handlers.wsgi":
        import django

        django.setup(set_prefix=False)


def load_app(target, default_callable):
    """Imports a WSGI app written as for `module`/`mount`: `pkg.mod[:callable]`, `pkg.mod:Factory()`, or a
    file `path/app.py[:callable]`. Raises LoadError."""
    where, name, is_factory = _split_callable(target, default_callable)
    if _is_file_target(where):
        path = os.path.abspath(where)
        if not os.path.isfile(path):
            raise LoadError("%s: no such file" % path)
        module_dir = os.path.dirname(path)
        if module_dir not in sys.path:
            sys.path.insert(0, module_dir)
        # A real module in sys.modules (under a name of its own), so py-autoreload watches the file too.
        name_in_modules = "tsgi_wsgi_file_%d" % len([m for m in sys.modules if m.startswith("tsgi_wsgi_file_")])
        loader = importlib.machinery.SourceFileLoader(name_in_modules, path)
        spec = importlib.util.spec_from_loader(name_in_modules, loader)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name_in_modules] = module
        loader.exec_module(module)
        holder = vars(module)
        what = path
    else:
        _setup_django_if_its_handler(where)
        holder = vars(importlib.import_module(where))
        what = "module %s" % where
    if name not in holder:
        raise LoadError("%s has no callable named %r (set `callable`, or write %s:name)" % (what, name, target))
    app = holder[name]
    if is_factory:
        app = app()
    if not callable(app):
        raise LoadError("%s:%s is not callable (%s)" % (what, name, type(app).__name__))
    return app


class Apps:
    """The loaded apps by mountpoint, and how a request picks one (docs/python.md, "Mounts")."""

    def __init__(self, mounted, manage_script_name):
        # mounted: [(mountpoint without trailing '/', app)], the default app with mountpoint ''.
        self.default = None
        self.mounts = []
        for index, (mountpoint, app) in enumerate(mounted):
            if mountpoint == "":
                self.default = (index, app)
            else:
                self.mounts.append((mountpoint, index, app))
        self.mounts.sort(key=lambda item: -len(item[0]))
        self.by_script_name = {mountpoint: (index, app) for mountpoint, index, app in self.mounts}
        self.manage_script_name = manage_script_name

    def pick(self, environ):
        """(app id, app) for the request, adjusting SCRIPT_NAME/PATH_INFO; None when nothing serves it."""
        if not self.mounts:
            return self.default
        sent = environ.get("SCRIPT_NAME", "").rstrip("/")
        if sent and sent in self.by_script_name:
            return self.by_script_name[sent]
        path = environ.get("PATH_INFO", "")
        for mountpoint, index, app in self.mounts:
            if path.startswith(mountpoint) and (len(path) == len(mountpoint) or path[len(mountpoint)] == "/"):
                if self.manage_script_name:
                    environ["SCRIPT_NAME"] = mountpoint
                    environ["PATH_INFO"] = path[len(mountpoint):]
                return index, app
        return self.default


# --------------------------------------------------------------------------------------------------- request body


class Body:
    """wsgi.input: the request body, streamed from the socket, never past its end (CONTENT_LENGTH or the last
    chunk of a chunked HTTP body)."""

    def __init__(self, conn, preloaded, length, chunked=False, expect_continue=False):
        self._conn = conn
        self._buffer = preloaded
        self._left = length
        self._chunked = chunked
        self._chunk_left = 0
        self._done = (length == 0) and not chunked
        self._expect_continue = expect_continue
        # Body bytes handed back by readline(): served before anything else.
        self._pushback = b""

    # Raw reads of the connection: the preloaded bytes first.
    def _recv(self):
        if self._expect_continue:
            self._expect_continue = False
            self._conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        if self._buffer:
            data, self._buffer = self._buffer, b""
            return data
        return self._conn.recv_some()

    def _unread(self, data):
        self._buffer = data + self._buffer

    def _recv_line(self):
        data = b""
        while b"\r\n" not in data:
            if len(data) > 4096:
                raise ProtocolError("chunk size line too long", 400)
            more = self._recv()
            if not more:
                raise ClientGone()
            data += more
        line, _, rest = data.partition(b"\r\n")
        self._unread(rest)
        return line

    def _next_piece(self, limit):
        """Up to `limit` body bytes (fewer is fine), b'' at the end."""
        if self._pushback:
            data, self._pushback = self._pushback[:limit], self._pushback[limit:]
            return data
        if self._done:
            return b""
        if not self._chunked:
            data = self._recv()
            if not data:
                raise ClientGone()
            if len(data) > min(limit, self._left):
                keep = min(limit, self._left)
                self._unread(data[keep:])
                data = data[:keep]
            self._left -= len(data)
            if self._left == 0:
                self._done = True
            return data
        if self._chunk_left == 0:
            size_line = self._recv_line().split(b";", 1)[0].strip()
            try:
                self._chunk_left = int(size_line, 16)
            except ValueError:
                raise ProtocolError("bad chunk size %r" % size_line[:20], 400)
            if self._chunk_left == 0:
                while self._recv_line() != b"":  # trailers
                    pass
                self._done = True
                return b""
        data = self._recv()
        if not data:
            raise ClientGone()
        keep = min(limit, self._chunk_left, len(data))
        self._unread(data[keep:])
        data = data[:keep]
        self._chunk_left -= keep
        if self._chunk_left == 0:
            crlf = b""
            while len(crlf) < 2:
                more = self._recv()
                if not more:
                    raise ClientGone()
                crlf += more
            self._unread(crlf[2:])
        return data

    def read(self, size=-1):
        return self._collect(size, is_line=False)

    def readline(self, size=-1):
        return self._collect(size, is_line=True)

    def _collect(self, size, is_line):
        """Up to `size` bytes (all when negative or None), stopping after a newline for readline()."""
        is_unbounded = size is None or size < 0
        parts, have = [], 0
        while is_unbounded or have < size:
            piece = self._next_piece(READ_CHUNK if is_unbounded else size - have)
            if not piece:
                break
            newline = piece.find(b"\n") if is_line else -1
            if newline != -1:
                self._pushback = piece[newline + 1:] + self._pushback
                parts.append(piece[:newline + 1])
                break
            parts.append(piece)
            have += len(piece)
        return b"".join(parts)

    def readlines(self, hint=-1):
        lines, total = [], 0
        while True:
            line = self.readline()
            if not line:
                return lines
            lines.append(line)
            total += len(line)
            if hint is not None and 0 < hint <= total:
                return lines

    def __iter__(self):
        while True:
            line = self.readline()
            if not line:
                return
            yield line

    def discard(self, limit):
        """Reads what the app left unread, so the connection can serve its next request; False if too much, or
        if the client still waits for a 100 Continue the app never asked for (it has not sent the body)."""
        if self._expect_continue:
            return False
        seen = len(self._pushback)
        self._pushback = b""
        while not self._done:
            piece = self._next_piece(READ_CHUNK)
            seen += len(piece)
            if seen > limit:
                return False
        return True

    def leftover(self):
        """Bytes read from the socket beyond the body: the start of the next request."""
        return self._buffer if self._done else b""


def buffer_body(body, in_memory_limit):
    """post-buffering: the whole body read before the app runs, in memory up to the limit, then in a temp file
    (a chunked body's size is known only at its end)."""
    target = tempfile.SpooledTemporaryFile(max_size=in_memory_limit)
    while True:
        piece = body.read(READ_CHUNK)
        if not piece:
            break
        target.write(piece)
    target.seek(0)
    return target


# ------------------------------------------------------------------------------------------------ file_wrapper


class FileWrapper:
    """wsgi.file_wrapper: iterates a file; the server sends it with sendfile(2) when it is a regular file."""

    def __init__(self, filelike, blksize=8192):
        self.filelike = filelike
        self.blksize = blksize
        if hasattr(filelike, "close"):
            self.close = filelike.close

    def __iter__(self):
        while True:
            data = self.filelike.read(self.blksize)
            if not data:
                return
            yield data


def _sendfile_source(result):
    """(file, offset, size) when `result` can go out with sendfile(2), else None."""
    if type(result) is not FileWrapper:
        return None
    filelike = result.filelike
    try:
        fd = filelike.fileno()
        st = os.fstat(fd)
        offset = filelike.tell()
    except (AttributeError, OSError, io.UnsupportedOperation):
        return None
    import stat

    if not stat.S_ISREG(st.st_mode):
        return None
    return filelike, offset, max(0, st.st_size - offset)


# ---------------------------------------------------------------------------------------------------- connections


class Connection:
    """One accepted client socket and the bytes read from it but not yet used."""

    __slots__ = ("sock", "protocol", "peer", "pending", "local")

    def __init__(self, sock, protocol, peer, local):
        self.sock = sock
        self.protocol = protocol
        self.peer = peer
        self.local = local
        self.pending = b""

    def recv_some(self):
        try:
            return self.sock.recv(READ_CHUNK)
        except (socket.timeout, ConnectionError):
            raise ClientGone()
        except OSError as error:
            if error.errno in (errno.ECONNRESET, errno.EPIPE, errno.ENOTCONN):
                raise ClientGone()
            raise

    def sendall(self, data):
        # send() in a loop rather than sendall(): the timeout then bounds each stall, not the whole response.
        try:
            sent = self.sock.send(data)
            if sent < len(data):
                view = memoryview(data)[sent:]
                while view:
                    view = view[self.sock.send(view):]
        except OSError:
            raise ClientGone()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def _peer_of(addr):
    if isinstance(addr, tuple):
        return str(addr[0]), str(addr[1])
    return "", ""


# ---------------------------------------------------------------------------------------------- request parsing


def read_uwsgi_request(conn, buffer_size):
    """The environ (vars as sent, the last of a repeated key winning) and the body bytes already read."""
    data = conn.pending
    conn.pending = b""
    while len(data) < 4:
        more = conn.recv_some()
        if not more:
            if data:
                raise ProtocolError("the connection ended inside the uwsgi header")
            raise ClientGone()
        data += more
    datasize = data[1] | (data[2] << 8)
    if datasize > buffer_size:
        raise ProtocolError("uwsgi vars block of %d bytes is larger than buffer-size (%d)" % (datasize, buffer_size))
    end = 4 + datasize
    while len(data) < end:
        more = conn.recv_some()
        if not more:
            raise ProtocolError("the connection ended inside the uwsgi vars (%d of %d bytes)" % (len(data) - 4,
                                                                                                 datasize))
        data += more
    environ = {}
    count = 0
    at = 4
    # Latin-1 maps each byte to one character, so one decode serves every key and value by the same offsets.
    block = data[:end]
    text = block.decode("latin-1")
    try:
        while at < end:
            key_len = block[at] | (block[at + 1] << 8)
            if key_len == 0:
                raise ProtocolError("empty uwsgi var key")
            at += 2
            key = text[at:at + key_len]
            at += key_len
            value_len = block[at] | (block[at + 1] << 8)
            at += 2
            environ[key] = text[at:at + value_len]
            at += value_len
            count += 1
    except IndexError:
        at = end + 1
    if at > end:
        raise ProtocolError("truncated uwsgi var: a length runs past the %d-byte vars block" % datasize)
    # nginx repeats the body's headers as HTTP_ vars; PEP 3333 forbids them (wsgiref.validate checks it).
    environ.pop("HTTP_CONTENT_LENGTH", None)
    environ.pop("HTTP_CONTENT_TYPE", None)
    info = "{%d vars in %d bytes}" % (count, datasize)
    return environ, data[end:], info


def read_http_request(conn, buffer_size):
    """The environ of one HTTP/1.x request, the body bytes already read, and its framing."""
    data = conn.pending
    conn.pending = b""
    while True:
        head_end = data.find(b"\r\n\r\n")
        if head_end != -1:
            break
        if len(data) > buffer_size:
            raise ProtocolError("request head larger than buffer-size (%d)" % buffer_size, 431)
        more = conn.recv_some()
        if not more:
            if data.strip():
                raise ProtocolError("the connection ended inside the request head", 400)
            raise ClientGone()
        data += more
        if data.startswith(b"\r\n"):
            data = data.lstrip(b"\r\n")
    if head_end > buffer_size:
        raise ProtocolError("request head larger than buffer-size (%d)" % buffer_size, 431)
    head = data[:head_end].decode("latin-1")
    rest = data[head_end + 4:]
    request_line, *header_lines = head.split("\r\n")
    parts = request_line.split(" ")
    if len(parts) != 3:
        raise ProtocolError("bad request line %r" % request_line[:80], 400)
    method, target, version = parts
    if version not in ("HTTP/1.1", "HTTP/1.0"):
        raise ProtocolError("unsupported protocol %r" % version[:20], 505)
    if not method.isalpha() or not method.isupper():
        raise ProtocolError("bad method %r" % method[:20], 400)
    if target.startswith(("http://", "https://")):
        target = "/" + target.split("://", 1)[1].partition("/")[2]
    path, _, query = target.partition("?")
    path_info = unquote_to_bytes(path).decode("latin-1")
    environ = {
        "REQUEST_METHOD": method,
        "REQUEST_URI": target,
        "SCRIPT_NAME": "",
        "PATH_INFO": path_info,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": version,
        "REMOTE_ADDR": conn.peer[0],
        "REMOTE_PORT": conn.peer[1],
    }
    for line in header_lines:
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip():
            raise ProtocolError("bad header line %r" % line[:80], 400)
        key = name.upper().replace("-", "_")
        if "_" in name:
            continue  # Header names with '_' would be indistinguishable from '-' ones in the environ.
        key = key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key
        value = value.strip(" \t")
        if key in environ:
            separator = "; " if key == "HTTP_COOKIE" else ","
            environ[key] += separator + value
        else:
            environ[key] = value
    host = environ.get("HTTP_HOST", "")
    if host.startswith("["):
        name, _, port = host[1:].partition("]")
        port = port.lstrip(":")
    else:
        name, _, port = host.partition(":")
    local_name, local_port = conn.local
    environ["SERVER_NAME"] = name or local_name or "localhost"
    environ["SERVER_PORT"] = port or local_port or "80"
    return environ, rest, "{%d headers}" % len(header_lines)


# --------------------------------------------------------------------------------------------------- the worker


class Worker:
    def __init__(self, start, apps, log, channel):
        self.log = log
        self.channel = channel
        self.apps = apps
        python = start["python"]
        self.buffer_size = start["bufferSizeBytes"]
        self.header_timeout = max(0.001, start["headerTimeoutMs"] / 1000.0)
        self.post_buffering = python["postBufferingBytes"]
        self.thread_count = max(1, python["threads"])
        self.is_request_log_on = start["isRequestLogOn"]
        self.errors = sys.stderr
        self.multiprocess = python["processes"] > 1
        self.requests = 0
        self.count_lock = threading.Lock()
        # For the master's harakiri (WorkerStatus in src/control/messages.ts): requests begun, and when each
        # request in flight began. Reported every statusIntervalMs and at once when an idle worker gets busy.
        self.status_interval = start.get("statusIntervalMs", 0) / 1000.0
        self.begun = 0
        self.in_flight = {}
        self.status_lock = threading.Lock()
        self.selector = selectors.DefaultSelector()
        self.listeners = []
        self.listener_info = {}
        self.hot_listener = None
        self.hot_streak = 0
        for listener in start["listeners"]:
            sock = socket.socket(fileno=listener["fd"])
            # The master binds; each worker listens, as Node's workers do (listen(2) again is harmless).
            sock.listen(start["backlog"])
            sock.setblocking(False)
            self.listeners.append(sock)
            local = _peer_of(sock.getsockname())
            self.listener_info[sock] = (listener["protocol"], local, int(sock.family), int(sock.type))
            self.selector.register(sock, selectors.EVENT_READ, ("listener", None))
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        self.selector.register(self.wake_r, selectors.EVENT_READ, ("wake", None))
        self.draining = False
        self.busy = 0
        self.busy_lock = threading.Lock()
        self.returned = []
        self.idle = {}  # keep-alive connections waiting for their next request: sock → (conn, deadline)
        self.tasks = queue.SimpleQueue()
        self.free_threads = threading.Semaphore(self.thread_count)
        if self.thread_count > 1:
            for index in range(self.thread_count):
                threading.Thread(target=self._thread_main, name="tsgi-request-%d" % (index + 1), daemon=True).start()

    # -- the event loop (main thread): accepts, watches idle keep-alive connections, hands work to threads.

    def serve(self):
        is_pooled = self.thread_count > 1
        while not (self.draining and self.busy == 0):
            # With a pool, the loop holds a free thread's slot while it looks for work: it accepts only when a
            # thread can take the connection, leaving the others to the instance's other workers.
            if is_pooled and not self.free_threads.acquire(timeout=1.0):
                continue
            conn = self._next_connection()
            if conn is None:
                if is_pooled:
                    self.free_threads.release()
                continue
            if is_pooled:
                with self.busy_lock:
                    self.busy += 1
                self.tasks.put(conn)
            else:
                self._serve_connection(conn)

    def _next_connection(self):
        """A connection with a request to read, or None after a quiet second (or a wake-up)."""
        # Under load, accepting again on the listener that just had a connection saves a select() per request;
        # a bounded number of times, so idle keep-alive connections get their turn.
        if self.hot_listener is not None and self.hot_streak < HOT_ACCEPTS and not self.draining:
            conn = self._accept(self.hot_listener)
            if conn is not None:
                self.hot_streak += 1
                return conn
        self.hot_listener = None
        self.hot_streak = 0
        events = self.selector.select(timeout=1.0)
        self._adopt_returned()
        found = None
        for key, _ in events:
            kind, detail = key.data
            if kind == "wake":
                self._read_wake()
            elif found is not None:
                continue  # Level-triggered: the next round sees it again.
            elif kind == "listener":
                if not self.draining:
                    found = self._accept(key.fileobj)
                    if found is not None:
                        self.hot_listener = key.fileobj
            else:
                self.selector.unregister(key.fileobj)
                del self.idle[key.fileobj]
                found = detail
        self._expire_idle()
        if self.draining:
            self._stop_listening()
        return found

    def _accept(self, listener):
        try:
            fd, addr = listener._accept()  # socket.accept() minus its per-call enum conversions
        except (BlockingIOError, InterruptedError, ConnectionAbortedError):
            return None  # Another worker took it.
        except OSError as error:
            self._accept_failed(listener, error)
            return None
        protocol, local, family, kind = self.listener_info[listener]
        sock = socket.socket(family, kind, 0, fd)
        sock.settimeout(self.header_timeout)
        return Connection(sock, protocol, _peer_of(addr), local)

    def _accept_failed(self, sock, error):
        if error.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
            self.log.error("accept failed: %s; retrying in 100ms" % error)
            time.sleep(0.1)  # Out of descriptors or memory: wait for some to be freed, never spin.
            return
        self.log.error("accept failed: %s; this worker stops accepting on that socket" % error)
        self.selector.unregister(sock)
        self.listeners.remove(sock)
        if self.hot_listener is sock:
            self.hot_listener = None
        sock.close()

    def _thread_main(self):
        while True:
            self._serve_connection(self.tasks.get())

    def _serve_connection(self, conn):
        try:
            keep = self.handle(conn)
            # Pipelined requests already read: serve them now, the selector would not see them.
            while keep and conn.pending and not self.draining:
                keep = self.handle(conn)
        except BaseException as error:  # A bug of ours must not take the thread (or the worker) down.
            self.log.error("tsgi python worker: unexpected %s: %s" % (type(error).__name__, error))
            keep = False
        if keep:
            if self.thread_count == 1:
                self._watch_idle(conn)
            else:
                self.returned.append(conn)
                _write_all(self.wake_w, b"r")
        else:
            conn.close()
        if self.thread_count > 1:
            with self.busy_lock:
                self.busy -= 1
            self.free_threads.release()
            if self.draining:
                _write_all(self.wake_w, b"d")

    def _adopt_returned(self):
        while self.returned:
            self._watch_idle(self.returned.pop())

    def _watch_idle(self, conn):
        if self.draining:
            conn.close()
            return
        self.idle[conn.sock] = (conn, time.monotonic() + KEEPALIVE_IDLE_S)
        self.selector.register(conn.sock, selectors.EVENT_READ, ("idle", conn))

    def _expire_idle(self):
        if not self.idle:
            return
        now = time.monotonic()
        for sock, (conn, deadline) in list(self.idle.items()):
            if self.draining or deadline <= now:
                self.selector.unregister(sock)
                del self.idle[sock]
                conn.close()

    def _read_wake(self):
        try:
            while os.read(self.wake_r, 4096):
                pass
        except BlockingIOError:
            pass

    def _stop_listening(self):
        for sock in self.listeners:
            self.selector.unregister(sock)
            sock.close()  # Our copy of the fd only: the master keeps the socket (and its path) for the next workers.
        self.listeners = []

    def drain(self):
        """From any thread: stop accepting, let in-flight requests finish, close idle connections, then serve() returns."""
        self.draining = True
        _write_all(self.wake_w, b"d")

    # -- one request

    def handle(self, conn):
        """Serves the request(s) waiting on `conn`; True when it stays open for another (HTTP keep-alive).
        Every read and write of the connection may stall for `socket-timeout` at most."""
        started = time.time()
        try:
            if conn.protocol == "uwsgi":
                environ, preloaded, info = read_uwsgi_request(conn, self.buffer_size)
            else:
                environ, preloaded, info = read_http_request(conn, self.buffer_size)
        except ClientGone:
            return False
        except ProtocolError as error:
            where = conn.peer[0] or "unix socket"
            self.log.line("%s: closed a connection from %s: %s" % (conn.protocol, where, error))
            if error.status is not None:
                self._refuse(conn, error.status)
            return False
        token = object()
        with self.status_lock:
            self.begun += 1
            self.in_flight[token] = started
            is_first = len(self.in_flight) == 1
        # Said at once: app code that now blocks (holding the GIL in C, say) would keep the next report back.
        if is_first and self.status_interval > 0:
            self.send_status()
        try:
            return self._run_app(conn, environ, preloaded, info, started)
        finally:
            with self.status_lock:
                del self.in_flight[token]

    def send_status(self):
        with self.status_lock:
            oldest = min(self.in_flight.values()) if self.in_flight else None
            message = {"type": "status", "requests": self.begun,
                       "busySinceMs": None if oldest is None else int(oldest * 1000)}
        self.channel.send(message)

    def report_status(self):
        """A thread: reports the worker's status every statusIntervalMs, whatever the request threads do."""
        while True:
            time.sleep(self.status_interval)
            self.send_status()

    def _refuse(self, conn, status):
        body = ("%d %s\n" % (status, REASONS[status])).encode()
        try:
            conn.sendall(b"HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"
                         % (status, REASONS[status].encode(), len(body), body))
        except ClientGone:
            pass

    def _run_app(self, conn, environ, preloaded, info, started):
        is_http = conn.protocol == "http"
        protocol = environ.get("SERVER_PROTOCOL") or "HTTP/1.0"
        method = environ.get("REQUEST_METHOD") or "GET"
        environ["REQUEST_METHOD"] = method
        for key in ("QUERY_STRING", "SCRIPT_NAME", "PATH_INFO"):
            environ.setdefault(key, "")
        environ.setdefault("SERVER_NAME", "localhost")
        environ.setdefault("SERVER_PORT", "80")
        uri = environ.get("REQUEST_URI") or (environ["SCRIPT_NAME"] + environ["PATH_INFO"] +
                                             ("?" + environ["QUERY_STRING"] if environ["QUERY_STRING"] else ""))
        chunked = False
        length_text = environ.get("CONTENT_LENGTH", "")
        if length_text:
            if not length_text.isdigit() or len(length_text) > 16:
                self.log.line("%s: closed a connection from %s: bad CONTENT_LENGTH %r"
                              % (conn.protocol, conn.peer[0] or "unix socket", length_text[:20]))
                if is_http:
                    self._refuse(conn, 400)
                return False
            length = int(length_text)
            if is_http and "HTTP_TRANSFER_ENCODING" in environ:
                # Both framings: which one a proxy in front believed is unknowable (request smuggling).
                self.log.line("http: closed a connection from %s: Content-Length and Transfer-Encoding both set"
                              % (conn.peer[0] or "unix socket"))
                self._refuse(conn, 400)
                return False
        else:
            length = 0
            coding = environ.get("HTTP_TRANSFER_ENCODING", "").lower() if is_http else ""
            if coding.replace(" ", "").endswith("chunked"):
                chunked = True
            elif coding:
                self.log.line("http: closed a connection from %s: unsupported Transfer-Encoding %r"
                              % (conn.peer[0] or "unix socket", coding[:40]))
                self._refuse(conn, 501)
                return False
        expect_continue = is_http and environ.get("HTTP_EXPECT", "").lower() == "100-continue" and protocol == "HTTP/1.1"
        body = Body(conn, preloaded, length, chunked, expect_continue and (length > 0 or chunked))
        keep_alive = is_http and not self.draining and _wants_keep_alive(environ, protocol)
        response = Response(conn, protocol, method == "HEAD", is_http, keep_alive, self)
        environ["wsgi.version"] = (1, 0)
        environ["wsgi.url_scheme"] = _url_scheme(environ)
        environ["wsgi.errors"] = self.errors
        environ["wsgi.multithread"] = self.thread_count > 1
        environ["wsgi.multiprocess"] = self.multiprocess
        environ["wsgi.run_once"] = False
        environ["wsgi.file_wrapper"] = FileWrapper
        environ["wsgi.input_terminated"] = True
        picked = self.apps.pick(environ)
        app_id = picked[0] if picked else -1
        buffered = None
        try:
            if self.post_buffering > 0 and (length > 0 or chunked):
                buffered = buffer_body(body, self.post_buffering)
                environ["wsgi.input"] = buffered
            else:
                environ["wsgi.input"] = body
            if picked is None:
                response.simple(404, b"Not Found: no app is mounted here\n")
            else:
                response.run(picked[1], environ, self.errors)
            is_complete = True
        except ClientGone:
            is_complete = False
        except ProtocolError as error:
            self.log.line("%s: %s" % (conn.protocol, error))
            is_complete = False
        finally:
            if buffered is not None:
                buffered.close()  # post-buffering's memory or temp file (the app may have wrapped environ's)
        if response.status_code is not None and self.is_request_log_on:
            self._log_request(conn, app_id, environ, method, uri, info, response, protocol, started)
        if not is_complete or not response.keep_alive or self.draining:
            return False
        if not body.discard(MAX_DISCARD_BYTES):
            return False
        conn.pending = body.leftover()
        return True

    def _log_request(self, conn, app_id, environ, method, uri, info, response, protocol, started):
        with self.count_lock:
            self.requests += 1
            count = self.requests
        msecs = int((time.time() - started) * 1000)
        self.log.line("[pid: %d|app: %d|req: %d/%d] %s () %s [%s] %s %s => generated %d bytes in %d msecs (%s %d)" % (
            os.getpid(), max(app_id, 0), count, count, environ.get("REMOTE_ADDR", ""), info,
            time.strftime("%a %b %e %H:%M:%S %Y", time.localtime(started)), method, uri,
            response.bytes_sent, msecs, protocol, response.status_code))


def _wants_keep_alive(environ, protocol):
    connection = environ.get("HTTP_CONNECTION", "").lower()
    if protocol == "HTTP/1.1":
        return "close" not in connection
    return "keep-alive" in connection


def _url_scheme(environ):
    scheme = environ.get("UWSGI_SCHEME", "")
    if scheme:
        return "https" if scheme.lower() == "https" else "http"
    https = environ.get("HTTPS", "")
    if https:
        return "https" if https.lower().startswith("on") or https.startswith("1") else "http"
    return "https" if environ.get("REQUEST_SCHEME", "").lower() == "https" else "http"


class Response:
    """start_response, write() and the response's framing on one connection (PEP 3333)."""

    def __init__(self, conn, protocol, is_head, is_http, keep_alive, worker):
        self.conn = conn
        self.worker = worker
        self.protocol = protocol
        self.is_head = is_head
        self.is_http = is_http
        self.keep_alive = keep_alive
        self.status = None
        self.status_code = None
        self.headers = None
        self.is_sent = False
        self.is_chunked = False
        self.declared_length = None
        self.body_bytes = 0
        self.bytes_sent = 0

    def start_response(self, status, headers, exc_info=None):
        if exc_info:
            try:
                if self.is_sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.status is not None:
            raise AssertionError("start_response() called a second time without exc_info")
        if type(status) is not str:
            raise TypeError("the WSGI status must be a str, not %s" % type(status).__name__)
        code = status[:3]
        if len(status) < 4 or not code.isdigit() or status[3] != " ":
            raise ValueError("the WSGI status %r is not '<3 digits> <reason>'" % status)
        if type(headers) is not list:
            raise TypeError("the WSGI response headers must be a list, not %s" % type(headers).__name__)
        for header in headers:
            if type(header) is not tuple or len(header) != 2 or type(header[0]) is not str or type(header[1]) is not str:
                raise TypeError("each WSGI response header must be a (str, str) tuple: %r" % (header,))
        self.status = status
        self.status_code = int(code)
        self.headers = headers
        return self.write

    def _head_bytes(self, body_length):
        """The response head; `body_length` is the whole body's size when known (it then sets Content-Length)."""
        lines = ["%s %s" % (self.protocol if not self.is_http else "HTTP/1.1", self.status)]
        has_length = False
        for name, value in self.headers:
            lower = name.lower()
            if lower == "content-length":
                has_length = True
                try:
                    self.declared_length = int(value)
                except ValueError:
                    pass
            if self.is_http and lower in HOP_BY_HOP:
                continue
            lines.append("%s: %s" % (name, value))
        no_body = self.status_code < 200 or self.status_code in (204, 304)
        if not has_length and body_length is not None and not no_body:
            lines.append("Content-Length: %d" % body_length)
            self.declared_length = body_length
            has_length = True
        if self.is_http:
            if self.worker.draining:
                self.keep_alive = False  # The worker is about to exit: the client must not reuse the connection.
            if not has_length and not no_body and not self.is_head:
                if self.protocol == "HTTP/1.1":
                    self.is_chunked = True
                    lines.append("Transfer-Encoding: chunked")
                else:
                    self.keep_alive = False
            if not self.keep_alive:
                lines.append("Connection: close")
            elif self.protocol == "HTTP/1.0":
                lines.append("Connection: keep-alive")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _send(self, data):
        self.conn.sendall(data)
        self.bytes_sent += len(data)

    def _send_head(self, first_chunk=b"", body_length=None):
        if self.status is None:
            raise AssertionError("the app sent body data before calling start_response()")
        head = self._head_bytes(body_length)
        self.is_sent = True
        self._send(head + self._frame(first_chunk))

    def _frame(self, data):
        if self.is_head or not data:
            return b""
        self.body_bytes += len(data)
        if self.is_chunked:
            return b"%x\r\n%s\r\n" % (len(data), data)
        return data

    def write(self, data):
        if type(data) is not bytes:
            raise TypeError("WSGI body data must be bytes, not %s" % type(data).__name__)
        if not data:
            return  # PEP 3333: the head goes out with the first non-empty chunk.
        if not self.is_sent:
            self._send_head(data)
        elif data:
            framed = self._frame(data)
            if framed:
                self._send(framed)

    def finish(self):
        if not self.is_sent:
            self._send_head(b"", 0 if self.body_bytes == 0 else None)
        elif self.is_chunked:
            self._send(b"0\r\n\r\n")
        if self.declared_length is not None and self.body_bytes != self.declared_length and not self.is_head:
            self.keep_alive = False  # The framing is off: the next request could not be found.

    def simple(self, code, text):
        self.start_response("%d %s" % (code, REASONS[code]), [("Content-Type", "text/plain")])
        self._send_head(text, len(text))
        self.finish()

    def run(self, app, environ, errors):
        result = None
        try:
            result = app(environ, self.start_response)
            source = _sendfile_source(result)
            if source is not None and not self.is_sent:
                self._send_file(*source)
            elif type(result) in (list, tuple) and not self.is_sent and all(type(item) is bytes for item in result):
                total = sum(len(item) for item in result)
                if self.status is None:
                    raise AssertionError("the app returned without calling start_response()")
                self._send_head(b"".join(result), total)
                self.body_bytes = total
            else:
                for data in result:
                    self.write(data)
            self.finish()
        except ClientGone:
            raise
        except Exception:
            errors.write("tsgi: the app failed:\n" + traceback.format_exc())
            errors.flush()
            if self.is_sent:
                raise ClientGone()  # Half a response is out: only closing the connection says so.
            self.status = self.headers = None
            self.keep_alive = False
            body = b"Internal Server Error\n"
            self.start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
            self._send_head(body, len(body))
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:
                    errors.write("tsgi: the app's iterable failed to close:\n" + traceback.format_exc())
                    errors.flush()

    def _send_file(self, filelike, offset, size):
        length = size
        for name, value in self.headers:
            if name.lower() == "content-length" and value.isdigit():
                length = min(size, int(value))
        self._send_head(b"", length)
        self.body_bytes = length
        if self.is_head or length == 0:
            return
        try:
            self.bytes_sent += self.conn.sock.sendfile(filelike, offset, length)
        except (socket.timeout, ConnectionError, OSError):
            raise ClientGone()


# ------------------------------------------------------------------------------------------------------ autoreload


def module_files():
    files = {}
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if not isinstance(path, str):
            continue
        try:
            files[path] = os.stat(path).st_mtime_ns
        except OSError:
            pass
    return files


def watch_modules(interval, channel, log):
    """py-autoreload: when a loaded module's file changes, ask the master for a (rolling) reload."""
    known = module_files()
    last_scan_ns = time.time_ns()
    while True:
        time.sleep(interval)
        scan_ns = time.time_ns()
        now = module_files()
        # A module imported since the last scan (Django imports urls.py at the first request) counts as changed
        # when its file changed after that scan: at worst one reload too many, never an edit missed.
        changed = [path for path, mtime in now.items() if known.get(path, last_scan_ns) < mtime]
        known.update(now)
        last_scan_ns = scan_ns
        if changed:
            log.line("py-autoreload: %s changed, asking the master for a reload" % changed[0])
            channel.send({"type": "reload", "reason": "py-autoreload: %s changed" % changed[0]})


# ------------------------------------------------------------------------------------------------------------ main


def prepare_process(python):
    """sys.path as uWSGI builds it: '.' (the `chdir`) and each `pythonpath` entry at the front."""
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [entry for entry in sys.path if os.path.abspath(entry or ".") != here]
    sys.path.insert(0, os.getcwd())
    for entry in python["pythonpath"]:
        sys.path.insert(0, entry)
    # Node's IPC variables are ours, not the app's: a Node child it starts must not take fd 3 for a channel.
    for name in ("NODE_CHANNEL_FD", "NODE_CHANNEL_SERIALIZATION_MODE"):
        os.environ.pop(name, None)


def load_apps(start, python, log):
    mounted = []
    for app in python["apps"]:
        mounted.append((app["mountpoint"].rstrip("/"), load_app(app["target"], python["callable"])))
    return Apps(mounted, start["manageScriptName"])


def main():
    if os.environ.get("NODE_CHANNEL_FD") != str(CHANNEL_FD):
        sys.stderr.write("tsgi python worker: this program is started by a tsgi master, not by hand\n")
        return 2
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    channel = Channel(CHANNEL_FD)
    start = None
    while start is None:
        message = channel.receive()
        if message is None:
            return 0
        if message.get("type") == "start":
            start = message
    python = start["python"]
    log = Log(start["logPrefix"], start.get("logDate"))
    sys.stdout = sys.stderr = ErrorStream(log)
    prepare_process(python)
    log.line("python worker %d: %s (Python %s)" % (start["workerId"], sys.executable, sys.version.split()[0]))
    try:
        apps = load_apps(start, python, log)
    except BaseException as error:
        summary = error.summary if isinstance(error, LoadError) else "%s: %s" % (type(error).__name__, error)
        if summary == python.get("lastLoadFailure"):
            log.error("python worker %d: the app still fails to load: %s" % (start["workerId"], summary))
        elif isinstance(error, LoadError):
            log.error("python worker %d: the app failed to load: %s" % (start["workerId"], summary))
        else:
            log.error("python worker %d: the app failed to load:\n%s" % (start["workerId"], traceback.format_exc().rstrip()))
        channel.send({"type": "load-failed", "reason": summary})
        return EXIT_LOAD_FAILED
    worker = Worker(start, apps, log, channel)

    def control():
        while True:
            message = channel.receive()
            if message is None:
                os._exit(0)  # The master is gone: never an orphan (setpriv's pdeathsig covers a stuck worker).
            if message.get("type") == "drain":
                worker.drain()

    threading.Thread(target=control, name="tsgi-control", daemon=True).start()
    signal.signal(signal.SIGTERM, lambda signum, frame: worker.drain())
    if python["autoreloadS"] > 0:
        threading.Thread(target=watch_modules, args=(python["autoreloadS"], channel, log),
                         name="tsgi-autoreload", daemon=True).start()
    if worker.status_interval > 0:
        threading.Thread(target=worker.report_status, name="tsgi-status", daemon=True).start()
    channel.send({"type": "ready"})
    worker.serve()
    return 0


if __name__ == "__main__":
    code = main()
    # Daemon threads and app threads must not hold the exit: run atexit handlers, flush, and go.
    try:
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)
