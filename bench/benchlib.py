"""bench/benchlib.py — what the bench scripts share: the server's CPU time, and a section of
BENCHMARKS.md rewritten in place between its markers."""
import os
import socket


def cpu_ns(pid):
    """CPU time (ns) every thread of process `pid` has run so far, from /proc/PID/task/*/schedstat: the
    server's own work, whatever else loads the machine."""
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0])
        except OSError:
            pass
    return total


def write_section(out, begin, end, lines):
    """Puts `lines` (which start with `begin` and end with `end`) into file `out` in place of the text
    between those markers, or appends them when the file has no such section."""
    text = open(out, encoding="utf-8").read() if os.path.exists(out) else ""
    if begin in text and end in text:
        text = text[:text.index(begin)] + "\n".join(lines) + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + "\n".join(lines) + "\n"
    open(out, "w", encoding="utf-8").write(text)


def free_ports(n):
    """n distinct free loopback ports (bound together, then released)."""
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports
