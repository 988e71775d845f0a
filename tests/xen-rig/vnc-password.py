#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""vnc-password.py PASSWORD CMD...: runs CMD (gvnccapture) on a pty and
answers its "Password:" prompt with PASSWORD.

gvnccapture has no option for a password: it asks on its terminal, with
echo off, and reads nothing from a pipe. It prints the prompt first and
then turns echo off with TCSAFLUSH, which throws away input already
typed: an answer sent on seeing the prompt is lost when the prompt
arrives before that call (under load, it did), and gvnccapture waits
forever. So this answers only once the terminal's echo is off.
Exits with CMD's status; CMD's output goes to stdout.
"""
import os
import pty
import sys
import termios
import time


def echo_off(fd):
    """Waits, up to a minute, until the pty's echo is off."""
    for _ in range(6000):
        if not termios.tcgetattr(fd)[3] & termios.ECHO:
            return
        time.sleep(0.01)


def main():
    if len(sys.argv) < 3:
        sys.exit('usage: vnc-password.py PASSWORD CMD...')
    password = sys.argv[1].encode() + b'\n'
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execvp(sys.argv[2], sys.argv[2:])
        finally:
            os._exit(127)
    seen = b''
    answered = False
    while True:
        try:
            data = os.read(fd, 4096)
        except OSError:         # EIO: the child closed the pty
            break
        if not data:
            break
        seen += data
        if not answered and b'Password:' in seen:
            echo_off(fd)
            os.write(fd, password)
            answered = True
    sys.stdout.write(seen.decode(errors='replace'))
    _, status = os.waitpid(pid, 0)
    sys.exit(os.waitstatus_to_exitcode(status))


if __name__ == '__main__':
    main()
