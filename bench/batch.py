#!/usr/bin/env python3
"""bench/batch.py BIN — the cost of tx-resource and of batches (issue 10), written into BENCHMARKS.md
(or $BENCH_OUT) between the markers <!-- batch: bench/batch.py --> and <!-- /batch -->. Run by
bench/run.sh last, or alone with `BENCH_ONLY=batch sh bench/run.sh build`.

Starts its own daemon (fresh store loaded from mappings/, threads = 2, on a free port), then:
1. `POST CodeSystem/$validate-code` with a 100-concept CodeSystem sent as tx-resource, against the same
   POST without tx-resource on the stored IPLOS 9111 code system: wrk (bench/post.lua, -t1 -c1 and
   -t2 -c10, BENCH_BATCH_SECONDS each, default 5) for requests/s and p50/p99, and the server's CPU
   time per request from /proc/PID/task/*/schedstat (all its threads, ns).
2. A batch Bundle of 1,000 `$validate-code` entries (GET, the 20 IPLOS 9111 codes in turn) and one of
   1,000 `$translate` entries (POST Parameters, every source code of mappings/conceptmap-*.tsv in turn,
   no map url: every map that applies), each POSTed BENCH_BATCH_REPEAT times (default 10) on one
   kept-alive connection: wall time and server CPU per call, and per entry."""
import http.client, json, os, shutil, socket, statistics, subprocess, sys, tempfile, time, urllib.parse

from benchlib import cpu_ns, write_section

BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/samsvar")
ROOT = os.getcwd()
OUT = os.environ.get("BENCH_OUT", "BENCHMARKS.md")
SECONDS = int(os.environ.get("BENCH_BATCH_SECONDS", "5"))
REPEAT = int(os.environ.get("BENCH_BATCH_REPEAT", "10"))
ENTRIES = 1000
IPLOS = "urn:oid:2.16.578.1.12.4.1.1.9111"
BASE = "https://fhir.samsvar.no"
BEGIN, END = "<!-- batch: bench/batch.py -->", "<!-- /batch -->"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def tsv_rows(path):
    """The data rows of a mappings/ TSV file as dicts (after its @ lines and header)."""
    header = None
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line or line.startswith("#") or line.startswith("@"):
            continue
        cols = line.split("\t")
        if header is None:
            header = cols
            continue
        yield dict(zip(header, cols))


def iplos_codes():
    return [r[next(iter(r))] for r in tsv_rows(os.path.join(ROOT, "mappings/codesystem-iplos-9111.tsv"))]


def map_sources():
    seen = []
    for path in sorted(os.listdir(os.path.join(ROOT, "mappings"))):
        if path.startswith("conceptmap-") and path.endswith(".tsv"):
            for r in tsv_rows(os.path.join(ROOT, "mappings", path)):
                k = (r.get("source_system", "").replace("{base}", BASE), r.get("source_code", ""))
                if k[0] and k[1] and k not in seen:
                    seen.append(k)
    return seen


def validate_body(tx):
    """POST $validate-code: on a 100-concept tx-resource code system (a made-up one), or on IPLOS 9111."""
    if not tx:
        return {"resourceType": "Parameters", "parameter": [
            {"name": "url", "valueUri": IPLOS}, {"name": "code", "valueCode": iplos_codes()[-1]}]}
    cs = {"resourceType": "CodeSystem", "url": "http://example.org/bench/CodeSystem/c100", "version": "1",
          "status": "active", "content": "complete",
          "concept": [{"code": "c%d" % i, "display": "Concept %d" % i} for i in range(100)]}
    return {"resourceType": "Parameters", "parameter": [
        {"name": "url", "valueUri": cs["url"]}, {"name": "code", "valueCode": "c57"},
        {"name": "tx-resource", "resource": cs}]}


def batch_bundle(kind):
    entries = []
    if kind == "validate":
        codes = iplos_codes()
        for i in range(ENTRIES):
            entries.append({"request": {"method": "GET", "url": "CodeSystem/$validate-code?url=%s&code=%s" % (
                urllib.parse.quote(IPLOS, safe=":"), urllib.parse.quote(codes[i % len(codes)]))}})
    else:
        src = map_sources()
        for i in range(ENTRIES):
            system, code = src[i % len(src)]
            entries.append({"request": {"method": "POST", "url": "ConceptMap/$translate"}, "resource": {
                "resourceType": "Parameters", "parameter": [{"name": "system", "valueUri": system},
                                                            {"name": "code", "valueCode": code}]}})
    return {"resourceType": "Bundle", "type": "batch", "entry": entries}


def wrk(port, body_file, conn):
    tc = ["-t1", "-c1"] if conn == 1 else ["-t2", "-c10"]
    env = dict(os.environ, BENCH_LUA_DIR=os.path.join(ROOT, "bench"), BENCH_BODY=body_file,
               BENCH_PATH="/fhir/CodeSystem/$validate-code")
    out = subprocess.run(["wrk"] + tc + ["-d%ds" % SECONDS, "--latency", "-s", os.path.join(ROOT, "bench/post.lua"),
                          "http://127.0.0.1:%d/" % port], env=env, capture_output=True, text=True, check=True).stdout
    f = next(l for l in out.splitlines() if l.startswith("BENCH ")).split()
    return {"n": int(f[1]), "rps": float(f[3]), "p50": int(f[4]), "p99": int(f[5]), "non2xx": int(f[6]),
            "sockerr": int(f[7])}


def main():
    tmp = tempfile.mkdtemp(prefix="samsvar-bench-batch.")
    port = free_port()
    conf = os.path.join(tmp, "samsvar.conf")
    with open(conf, "w") as f:
        f.write("listen = 127.0.0.1:%d\nstore = %s/s.db\ncontent = %s/mappings\nthreads = 2\nlog_requests = false\n"
                % (port, tmp, ROOT))
    log = open(os.path.join(tmp, "log"), "w")
    proc = subprocess.Popen([BIN, "serve", "--config", conf], stderr=log)
    try:
        for _ in range(300):
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                c.request("GET", "/readyz")
                if c.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.1)
        # 1. validate-code with and without a 100-concept tx-resource
        txr = {}
        for tx in (False, True):
            body = os.path.join(tmp, "validate-%d.json" % tx)
            json.dump(validate_body(tx), open(body, "w"))
            c = http.client.HTTPConnection("127.0.0.1", port)
            c.request("POST", "/fhir/CodeSystem/$validate-code", open(body, "rb").read(),
                      {"Content-Type": "application/fhir+json"})
            r = c.getresponse()
            answer = json.loads(r.read())
            result = [p.get("valueBoolean") for p in answer.get("parameter", []) if p.get("name") == "result"]
            if r.status != 200 or result != [True]:
                raise SystemExit("bench/batch.py: validate-code%s answered %d %s" % (
                    " with tx-resource" if tx else "", r.status, json.dumps(answer)[:300]))
            for conn in (1, 10):
                t0 = cpu_ns(proc.pid)
                w = wrk(port, body, conn)
                w["cpu_us"] = (cpu_ns(proc.pid) - t0) / 1000 / max(w["n"], 1)
                w["bytes"] = os.path.getsize(body)
                txr[(tx, conn)] = w
                print("bench: validate-code %-14s %2d conn  %8.0f req/s  p50 %5d us  p99 %6d us  CPU %.1f us/request"
                      % ("+ tx-resource" if tx else "(stored system)", conn, w["rps"], w["p50"], w["p99"], w["cpu_us"]))
        # 2. 1,000-entry batches
        batches = {}
        for kind in ("validate", "translate"):
            body = json.dumps(batch_bundle(kind)).encode()
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            walls, cpus, statuses = [], [], {}
            for i in range(REPEAT):
                t0, c0 = time.monotonic(), cpu_ns(proc.pid)
                c.request("POST", "/fhir", body, {"Content-Type": "application/fhir+json"})
                r = c.getresponse()
                data = r.read()
                walls.append(time.monotonic() - t0)
                cpus.append((cpu_ns(proc.pid) - c0) / 1e6)
                if r.status != 200:
                    raise SystemExit("bench/batch.py: the %s batch answered %d %s" % (kind, r.status, data[:300]))
                if i == 0:
                    b = json.loads(data)
                    for e in b.get("entry", []):
                        s = e.get("response", {}).get("status", "?")
                        statuses[s] = statuses.get(s, 0) + 1
                    size = len(data)
            batches[kind] = {"wall": statistics.median(walls), "cpu": statistics.median(cpus), "bytes": len(body),
                             "answer": size, "statuses": statuses}
            print("bench: batch of %d %-9s %.1f ms wall, %.1f ms CPU per call (%.1f us CPU per entry); statuses %s"
                  % (ENTRIES, kind, batches[kind]["wall"] * 1000, batches[kind]["cpu"],
                     batches[kind]["cpu"] * 1000 / ENTRIES, statuses))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)

    def row(tx, conn):
        w = txr[(tx, conn)]
        return "| %s | %d | %s | %.0f | %d µs | %d µs | %.1f µs | %d / %d |" % (
            "100-concept CodeSystem as tx-resource" if tx else "stored IPLOS 9111 (20 concepts), no tx-resource",
            conn, "{:,}".format(w["bytes"]), w["rps"], w["p50"], w["p99"], w["cpu_us"], w["non2xx"], w["sockerr"])

    ratio = txr[(True, 10)]["cpu_us"] / txr[(False, 10)]["cpu_us"]
    md = [BEGIN, "## tx-resource and batches (issue 10)", "",
          "Generated by bench/batch.py (run by `make bench`, or alone: `BENCH_ONLY=batch sh bench/run.sh build`) on "
          "%s; same machine as above, its own daemon (fresh store, `threads = 2`). Server CPU = the time of every "
          "thread of the daemon from `/proc/PID/task/*/schedstat`, divided by the requests (or entries) served."
          % time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "",
          "### `POST CodeSystem/$validate-code` with a 100-concept tx-resource", "",
          "The same POST (`url`, `code`) with and without a `tx-resource` CodeSystem of 100 concepts, which the "
          "server reads, indexes as a request layer and drops for every request. wrk with bench/post.lua, %d s per "
          "line. POSTs are never answered from the cache." % SECONDS, "",
          "| validate-code against | connections | body bytes | req/s | p50 | p99 | server CPU per request | "
          "errors (non-2xx / socket) |", "|---|---:|---:|---:|---:|---:|---:|---|",
          row(False, 1), row(False, 10), row(True, 1), row(True, 10), "",
          "A 100-concept tx-resource costs %.1f× the server CPU of the same validation without it (10 connections)."
          % ratio, "",
          "### 1,000-entry batch Bundles (`POST /fhir`)", "",
          "One Bundle of %d entries POSTed %d times on one kept-alive connection (median per call). `$validate-code`: "
          "GET entries over the 20 IPLOS 9111 codes; `$translate`: POST entries (a Parameters of system and code, "
          "no map url: every map that applies) over every source code of the bundled maps." % (ENTRIES, REPEAT), "",
          "| batch | request bytes | answer bytes | wall per call | server CPU per call | server CPU per entry | "
          "entry statuses |", "|---|---:|---:|---:|---:|---:|---|"]
    for kind, label in (("validate", "1,000 × `$validate-code`"), ("translate", "1,000 × `$translate`")):
        b = batches[kind]
        md.append("| %s | %s | %s | %.1f ms | %.1f ms | %.1f µs | %s |" % (
            label, "{:,}".format(b["bytes"]), "{:,}".format(b["answer"]), b["wall"] * 1000, b["cpu"],
            b["cpu"] * 1000 / ENTRIES, ", ".join("%s × %d" % kv for kv in sorted(b["statuses"].items()))))
    md += ["", END]
    write_section(OUT, BEGIN, END, md)
    print("bench: tx-resource and batch figures written to " + OUT)


if __name__ == "__main__":
    main()
