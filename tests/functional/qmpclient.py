#!/usr/bin/env python3
"""A QMP client as libxl's libxl_qmp.c is one, for tests.

    qmpclient.py SOCKET CMD[:JSON-ARGS]|raw:TEXT ...

Connects, checks the greeting, negotiates with qmp_capabilities, runs each
command with a fresh numeric id, checks that every message ends in \\r\\n
and that each reply echoes its id, and prints one line per command:
the reply's "return" or "error" as compact JSON. raw:TEXT sends TEXT as
it is and prints "raw" and the reply's own text, so that a test sees the
bytes. Every message must be JSON to Python's json module taken strictly
(no NaN or Infinity, no duplicate key) and, when libyajl is installed, to
yajl, the parser libxl reads replies with. Exit 1 on a protocol
violation.
"""
import ctypes
import ctypes.util
import json
import socket
import sys


def strict_loads(line):
    def no_constant(name):
        raise ValueError("%s is not JSON" % name)

    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        if len(set(keys)) != len(keys):
            raise ValueError("duplicate key in %r" % keys)
        return dict(pairs)

    return json.loads(line, parse_constant=no_constant,
                      object_pairs_hook=no_duplicates)


def yajl():
    """yajl_tree_parse() from libyajl as a checker, or None without it."""
    name = ctypes.util.find_library("yajl") or "libyajl.so.2"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        return None
    lib.yajl_tree_parse.restype = ctypes.c_void_p
    lib.yajl_tree_parse.argtypes = [ctypes.c_char_p, ctypes.c_char_p,
                                    ctypes.c_size_t]
    lib.yajl_tree_free.argtypes = [ctypes.c_void_p]

    def check(line):
        err = ctypes.create_string_buffer(512)
        tree = lib.yajl_tree_parse(line, err, len(err))
        if not tree:
            sys.exit("yajl refuses %r: %s" % (line, err.value.decode()))
        lib.yajl_tree_free(tree)
    return check


def main():
    path, cmds = sys.argv[1], sys.argv[2:]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    buf = b""
    yajl_check = yajl()

    def message_text():
        nonlocal buf
        while b"\r\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                sys.exit("connection closed")
            buf += chunk
        line, buf = buf.split(b"\r\n", 1)
        if b"\n" in line:
            sys.exit("newline inside a message: %r" % line)
        try:
            strict_loads(line)
        except ValueError as e:
            sys.exit("not JSON: %r: %s" % (line, e))
        if yajl_check:
            yajl_check(line)
        return line

    def message():
        return json.loads(message_text())

    def execute(name, args, id_):
        req = {"execute": name, "id": id_}
        if args is not None:
            req["arguments"] = args
        s.sendall(json.dumps(req).encode())
        while True:
            reply = message()
            if "event" in reply:
                continue
            if reply.get("id") != id_:
                sys.exit("reply without our id: %r" % reply)
            if ("return" in reply) == ("error" in reply):
                sys.exit("reply with neither or both: %r" % reply)
            return reply

    greeting = message()
    version = greeting["QMP"]["version"]["qemu"]
    if not isinstance(version["major"], int):
        sys.exit("bad greeting: %r" % greeting)
    reply = execute("qmp_capabilities", None, {"libxl": 1})
    if reply.get("return") != {}:
        sys.exit("qmp_capabilities: %r" % reply)
    for i, cmd in enumerate(cmds):
        if cmd.startswith("raw:"):
            s.sendall(cmd[4:].encode())
            print("raw", message_text().decode())
            continue
        name, _, args = cmd.partition(":")
        reply = execute(name, json.loads(args) if args else None, i + 1)
        key = "return" if "return" in reply else "error"
        print(key, json.dumps(reply[key], sort_keys=True,
                              separators=(",", ":")))


if __name__ == "__main__":
    main()
