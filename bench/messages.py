#!/usr/bin/env python3
"""bench/messages.py BIN — the message figures of issue 8, written into BENCHMARKS.md between the
markers <!-- messages: bench/messages.py --> and <!-- /messages --> (run by bench/run.sh last).

1. Queued/s: a municipality whose receiver (a hospital) is down; wrk POSTs $send-message (a new message
   each time: no messageId) for BENCH_MSG_SECONDS (default 10) with 10 connections. Each message also
   gets its one refused delivery attempt meanwhile (the retry waits 10 minutes), as in real life.
2. Delivered/s and RSS: a fresh municipality and a hospital, both up; wrk POSTs $send-message in 5 s
   slices until BENCH_MSG_TOTAL (default 100,000) messages are queued, the sender's RSS read after each
   slice; then the time until every message is `delivered`. Delivered/s = messages / (time from the
   first POST to the last delivery), so queueing and delivering share the two cores throughout."""
import json, os, re, shutil, subprocess, sys, tempfile, time, urllib.request

from benchlib import free_ports, write_section

BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/samsvar")
ROOT = os.getcwd()
OUT = os.environ.get("BENCH_OUT", "BENCHMARKS.md")
SECONDS = int(os.environ.get("BENCH_MSG_SECONDS", "10"))
TOTAL = int(os.environ.get("BENCH_MSG_TOTAL", "100000"))
V9111 = "urn:oid:2.16.578.1.12.4.1.1.9111"


class Site:
    def __init__(self, tmp, name, port, extra):
        self.dir = os.path.join(tmp, name)
        os.makedirs(self.dir)
        self.port = port
        self.conf = os.path.join(self.dir, "samsvar.conf")
        with open(self.conf, "w") as f:
            f.write("listen = 127.0.0.1:%d\nstore = %s/store.db\ncontent = %s/mappings\nthreads = 2\n"
                    "log_requests = false\n%s\n" % (port, self.dir, ROOT, extra))
        self.proc = None
        self.token = None

    def start(self):
        self.log = open(os.path.join(self.dir, "log"), "w")
        self.proc = subprocess.Popen([BIN, "serve", "--config", self.conf], stderr=self.log)
        for _ in range(200):
            try:
                urllib.request.urlopen("http://127.0.0.1:%d/healthz" % self.port, timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        if self.token is None:
            out = subprocess.run([BIN, "token", "create", "--config", self.conf, "--name", "bench", "--role",
                                  "reader"], capture_output=True, text=True, check=True).stdout
            self.token = re.search(r"sv_\S+", out).group(0)
            for _ in range(60):
                if self.get("/messages?_count=1") is not None:
                    break
                time.sleep(0.1)

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=30)
            self.proc = None

    def get(self, path):
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.port, path),
                                     headers={"Authorization": "Bearer " + (self.token or "")})
        try:
            return json.load(urllib.request.urlopen(req, timeout=10))
        except OSError:
            return None

    def total(self, query):
        j = self.get("/messages?_count=1&" + query)
        return j["total"] if j else -1

    def rss_kib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def wrk(site, body_file, seconds):
    env = dict(os.environ, BENCH_LUA_DIR=os.path.join(ROOT, "bench"), BENCH_BODY=body_file,
               BENCH_PATH="/fhir/$send-message", BENCH_TOKEN=site.token)
    out = subprocess.run(["wrk", "-t2", "-c10", "-d%ds" % seconds, "--latency", "-s",
                          os.path.join(ROOT, "bench/post.lua"), "http://127.0.0.1:%d/" % site.port],
                         capture_output=True, text=True, env=env).stdout
    f = re.search(r"^BENCH (.*)$", out, re.M).group(1).split()
    return {"requests": int(f[0]), "seconds": int(f[1]) / 1e6, "rps": float(f[2]), "p50": int(f[3]),
            "p99": int(f[4]), "non2xx": int(f[5]), "sockerr": int(f[6])}


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main():
    load_before = loadavg()
    tmp = tempfile.mkdtemp(prefix="samsvar-msgbench.")
    sites = []
    try:
        kport, sport, k2port = free_ports(3)
        recv = os.path.join(tmp, "receivers.tsv")
        with open(recv, "w") as f:
            f.write("id\tname\ther_id\tendpoint\tformat\nstolav\tST OLAVS HOSPITAL HF\t59\t"
                    "http://127.0.0.1:%d/messages/inbound\tkith\n" % sport)
        body = os.path.join(tmp, "send.json")
        items = [{"name": "item", "part": [{"name": "variable", "valueCoding": {"system": V9111, "code": str(v)}},
                                           {"name": "score", "valueInteger": 1 + v % 5}]} for v in range(1, 21)]
        with open(body, "w") as f:
            json.dump({"resourceType": "Parameters", "parameter": [
                {"name": "receiver", "valueString": "stolav"},
                {"name": "event", "valueCode": "plo-innleggelsesrapport"},
                {"name": "patient", "resource": {"resourceType": "Patient", "identifier": [
                    {"system": "urn:oid:2.16.578.1.12.4.1.4.1", "value": "13116900216"}]}}] + items}, f)
        own = "own_name = Alvdal Kommune\nown_her_id = 99387\nreceivers = %s\n" % recv

        # 1. Queued/s with the receiver down.
        k = Site(tmp, "kommune-down", kport, own + "deliver_backoff_ms = 600000\n")
        sites.append(k)
        k.start()
        q = wrk(k, body, SECONDS)
        q["stored"] = k.total("direction=out")
        k.stop()

        # 2. Delivered/s and RSS with the hospital up.
        h = Site(tmp, "sykehus", sport, "own_name = ST OLAVS HOSPITAL HF\nown_her_id = 59\n")
        sites.append(h)
        h.start()
        k2 = Site(tmp, "kommune", k2port, own + "deliver_backoff_ms = 100\ndeliver_max_attempts = 1000\n")
        sites.append(k2)
        k2.start()
        rss = [(0, k2.rss_kib())]
        t0 = time.time()
        queued = 0
        slices = []
        while queued < TOTAL:
            r = wrk(k2, body, 5)
            slices.append(r)
            queued = k2.total("direction=out")
            rss.append((queued, k2.rss_kib()))
        t_queued = time.time() - t0
        while True:
            d = k2.total("direction=out&status=delivered")
            if d >= queued or time.time() - t0 > 900:
                break
            time.sleep(0.2)
        t_all = time.time() - t0
        queued = k2.total("direction=out")   # with the requests wrk left in flight at its end
        rss.append((d, k2.rss_kib()))
        received = h.total("direction=in")
        first = k2.get("/messages?_count=1")["messages"][0]["id"]
        req = urllib.request.Request("http://127.0.0.1:%d/messages/%s/content" % (k2.port, first),
                                     headers={"Authorization": "Bearer " + k2.token})
        size = len(urllib.request.urlopen(req, timeout=10).read())
        for s in sites:
            s.stop()
    finally:
        for s in sites:
            if s.proc:
                s.proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)

    md = ["<!-- messages: bench/messages.py -->", "## Messages (issue 8)", "",
          "Generated by `make bench` (bench/messages.py, after bench/run.sh) on %s; same machine as above. "
          "One message = a KITH Innleggelsesrapport with 20 IPLOS items (%d bytes of XML), sent by a "
          "municipality daemon to a hospital daemon on loopback; every `$send-message` creates a new "
          "message (no messageId). wrk -t2 -c10 POSTs the Parameters body with a reader token." %
          (time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), size), "",
          "| figure | value | aim |", "|---|---:|---|",
          "| queued/s via `$send-message`, receiver down (%d s; built, validated, stored with its audit row "
          "before each 202; each message also makes its one refused attempt) | %.0f (p50 %.1f ms, p99 %.1f ms; "
          "%d stored, %d non-2xx) | ≥ 2,000/s: %s |" % (SECONDS, q["rps"], q["p50"] / 1000, q["p99"] / 1000,
                                                        q["stored"], q["non2xx"], "met" if q["rps"] >= 2000 else "not met"),
          "| messages sent end to end, hospital up | %d queued in %.1f s, %d delivered after %.1f s; the hospital "
          "holds %d | |" % (queued, t_queued, d, t_all, received),
          "| delivered/s (messages ÷ time from the first POST to the last delivery) | %.0f | ≥ 1,000/s: %s |" %
          (d / t_all, "met" if d / t_all >= 1000 else "not met"),
          "| queued/s while delivering (wrk slices of 5 s) | %s%s | |" %
          (", ".join("%.0f" % s["rps"] for s in slices[:8]), " …" if len(slices) > 8 else ""),
          "", "Load average (1, 5, 15 min) before: %s; after: %s. The machine is shared with other work, and "
          "sender, receiver and wrk compete for its two cores: figures move by half between runs." %
          (load_before, loadavg()),
          "", "Sender RSS (VmRSS) by messages held in its store: " +
          ", ".join("%d → %.1f MiB" % (n, kib / 1024) for n, kib in rss) + ".", "",
          "<!-- /messages -->"]
    write_section(OUT, "<!-- messages: bench/messages.py -->", "<!-- /messages -->", md)
    print("bench: messages written to " + OUT)


main()
