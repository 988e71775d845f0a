#!/usr/bin/env python3
"""A QMP client as libxl's libxl_qmp.c is one, for tests.

    qmpclient.py SOCKET CMD[:JSON-ARGS] ...

Connects, checks the greeting, negotiates with qmp_capabilities, runs each
command with a fresh numeric id, checks that every message ends in \\r\\n
and that each reply echoes its id, and prints one line per command:
the reply's "return" or "error" as compact JSON. Exit 1 on a protocol
violation.
"""
import json
import socket
import sys


def main():
    path, cmds = sys.argv[1], sys.argv[2:]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    buf = b""

    def message():
        nonlocal buf
        while b"\r\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                sys.exit("connection closed")
            buf += chunk
        line, buf = buf.split(b"\r\n", 1)
        return json.loads(line)

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
        name, _, args = cmd.partition(":")
        reply = execute(name, json.loads(args) if args else None, i + 1)
        key = "return" if "return" in reply else "error"
        print(key, json.dumps(reply[key], sort_keys=True,
                              separators=(",", ":")))


if __name__ == "__main__":
    main()
