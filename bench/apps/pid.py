# The emperor benchmark's app for uWSGI: answers with the pid of the worker that served (as apps/pid.mjs).
import os


def application(environ, start_response):
    body = f"{os.getpid()}\n".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
