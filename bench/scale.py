#!/usr/bin/env python3
"""bench/scale.py BIN — the scale section of `make bench` (issue 11): SNOMED CT at full size.

Runs on its own with `BENCH_ONLY=scale sh bench/run.sh build` (or `python3 bench/scale.py build/samsvar`).
1. A synthetic RF2 Snapshot from tools/gen-rf2.py (BENCH_SCALE_CONCEPTS 350000, ..._DESCRIPTIONS 1000000,
   ..._ISA 500000; kept in BENCH_SCALE_DIR, default /tmp/samsvar-scale-rf2-<sizes>, and reused).
2. `samsvar import --snomed-rf2` into a new store that holds the bundled content (mappings/, loaded first,
   not timed): wall time and peak RSS (wait4's ru_maxrss) of the edition's import.
3. `samsvar serve` with that store plus the bundled content (mappings/): time until /healthz answers, RSS.
4. `$expand` of `isa/<root>` with count=10 and of the whole code system with filter=<word> count=10:
   p50 and p90 of BENCH_SCALE_REPEAT (default 21) requests on one kept-alive connection, each with another
   offset so none comes from the answer cache.
5. `$lookup` and `$subsumes` over 1000 random concepts: wrk (-t2 -c10) against samsvar and against nginx
   serving the same bytes, in alternating slices (as bench/run.sh).
6. Publishing a small ConceptMap (POST with a maintainer token) while the edition is loaded: time until the
   POST is answered and until the next GET sees the map; RSS before and 2 s after.
Writes the section between <!-- scale --> and <!-- /scale --> of BENCH_OUT (default BENCHMARKS.md), and
prints every figure.
"""
import http.client
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

from benchlib import free_ports

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SNOMED = "http://snomed.info/sct"


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def timed_child(cmd, log):
    """Runs cmd; returns (exit status, wall seconds, peak RSS KiB)."""
    t0 = time.time()
    with open(log, "w") as out:
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        _, status, ru = os.wait4(p.pid, 0)
    return os.waitstatus_to_exitcode(status), time.time() - t0, ru.ru_maxrss


class Conn:
    """One kept-alive connection; opened again (once per request) when the server closed it idle."""

    def __init__(self, port):
        self.port = port
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def send(self, method, path, body=None, headers=None):
        for attempt in (0, 1):
            try:
                t0 = time.perf_counter()
                self.c.request(method, path, body=body, headers=headers or {})
                r = self.c.getresponse()
                data = r.read()
                return r.status, data, time.perf_counter() - t0
            except (ConnectionError, http.client.HTTPException):
                if attempt:
                    raise
                self.c.close()
                self.c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)

    def get(self, path, headers=None):
        return self.send("GET", path, None, headers)

    def post(self, path, body, headers):
        return self.send("POST", path, body, headers)


def q(s):
    return urllib.parse.quote(s, safe=":/")


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p * (len(v) - 1))))]


def wrk_rps(url, paths_file, seconds, conns="-t2 -c10"):
    env = dict(os.environ, BENCH_PATHS=paths_file, BENCH_LUA_DIR=os.path.join(ROOT, "bench"))
    out = subprocess.run(["wrk"] + conns.split() + ["-d%ds" % seconds, "--latency", "-s",
                                                    os.path.join(ROOT, "bench", "paths.lua"), url],
                         env=env, capture_output=True, text=True)
    m = re.search(r"^BENCH (.*)$", out.stdout, re.M)
    if not m:
        raise SystemExit("wrk gave no BENCH line:\n" + out.stdout + out.stderr)
    f = m.group(1).split()
    # report.lua: BENCH requests duration rps p50 p99 non2xx sockerr ...
    return float(f[2]), int(f[3]), int(f[5])


def main(argv):
    binary = os.path.abspath(argv[1] if len(argv) > 1 else os.path.join(ROOT, "build", "samsvar"))
    nconc = int(os.environ.get("BENCH_SCALE_CONCEPTS", "350000"))
    ndesc = int(os.environ.get("BENCH_SCALE_DESCRIPTIONS", "1000000"))
    nisa = int(os.environ.get("BENCH_SCALE_ISA", "500000"))
    repeat = int(os.environ.get("BENCH_SCALE_REPEAT", "21"))
    slice_s = int(os.environ.get("BENCH_SLICE", "2"))
    slices = int(os.environ.get("BENCH_SCALE_SLICES", "3"))
    out_md = os.environ.get("BENCH_OUT", os.path.join(ROOT, "BENCHMARKS.md"))
    gen_dir = os.environ.get("BENCH_SCALE_DIR", "/tmp/samsvar-scale-rf2-%d-%d-%d" % (nconc, ndesc, nisa))
    fig = {}
    if not os.path.exists(os.path.join(gen_dir, "generated.json")):
        t0 = time.time()
        subprocess.run([sys.executable, os.path.join(ROOT, "tools", "gen-rf2.py"), gen_dir, "--concepts",
                        str(nconc), "--descriptions", str(ndesc), "--isa", str(nisa), "--extension"], check=True)
        print("bench-scale: generated in %.1f s" % (time.time() - t0))
    man = json.load(open(os.path.join(gen_dir, "generated.json"), encoding="utf-8"))
    rf2 = man["international"]["dir"]
    tmp = tempfile.mkdtemp(prefix="samsvar-scale.")
    os.chmod(tmp, 0o755)   # nginx workers run as another user
    sv = ng = None
    try:
        sv_port, ng_port = free_ports(2)
        conf = os.path.join(tmp, "samsvar.conf")
        with open(conf, "w") as f:
            f.write("listen = 127.0.0.1:%d\nstore = %s/s.db\ncontent = %s/mappings\n"
                    "canonical_base = https://fhir.samsvar.no\nthreads = 2\nlog_requests = false\n"
                    % (sv_port, tmp, ROOT))
        # --- import: the bundled content first (as `make run` leaves a store), then the edition over it,
        # carrying the GPS fragment's concepts the edition lacks ---
        subprocess.run([binary, "import", "--config", conf, "--content", os.path.join(ROOT, "mappings")],
                       check=True, capture_output=True)
        rc, wall, peak = timed_child([binary, "import", "--config", conf, "--snomed-rf2", rf2],
                                     os.path.join(tmp, "import.log"))
        if rc != 0:
            raise SystemExit("import failed:\n" + open(os.path.join(tmp, "import.log")).read())
        fig["import_s"], fig["import_rss_mib"] = wall, peak / 1024
        fig["store_mib"] = os.path.getsize(os.path.join(tmp, "s.db")) / 2 ** 20
        print("bench-scale: import %.2f s, peak RSS %.0f MiB, store %.0f MiB" %
              (wall, peak / 1024, fig["store_mib"]))
        token = subprocess.run([binary, "token", "create", "--config", conf, "--name", "bench", "--role",
                                "maintainer"], capture_output=True, text=True, check=True).stdout.strip()
        # --- start-up ---
        t0 = time.time()
        sv = subprocess.Popen([binary, "serve", "--config", conf], stdout=open(os.path.join(tmp, "sv.log"), "w"),
                              stderr=subprocess.STDOUT)
        while True:
            try:
                c = Conn(sv_port)
                if c.get("/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if sv.poll() is not None:
                raise SystemExit("samsvar exited:\n" + open(os.path.join(tmp, "sv.log")).read())
            time.sleep(0.02)
        fig["start_s"] = time.time() - t0
        time.sleep(0.5)
        fig["start_rss_mib"] = rss_kib(sv.pid) / 1024
        print("bench-scale: start-up %.2f s, RSS %.0f MiB" % (fig["start_s"], fig["start_rss_mib"]))
        c = Conn(sv_port)
        # --- $expand ---
        vs_isa = q("%s?fhir_vs=isa/%s" % (SNOMED, man["root"]))
        vs_all = q("%s?fhir_vs" % SNOMED)
        for name, path in (("expand_isa", "/fhir/ValueSet/$expand?url=%s&count=10&offset=" % vs_isa),
                           ("expand_filter", "/fhir/ValueSet/$expand?url=%s&filter=%s&count=10&offset="
                            % (vs_all, man["word"])),
                           # ECL over the generator's ~10k-concept subtree minus its ~3k-concept child
                           ("expand_ecl", "/fhir/ValueSet/$expand?url=%s&count=10&offset=" % q(
                               "%s?fhir_vs=ecl/<< %s MINUS << %s" % (SNOMED, man["subtree"]["code"],
                                                                    man["subtree"]["child"])))):
            times, status = [], None
            for i in range(repeat):
                status, body, dt = c.get(path + str(i))
                times.append(dt)
            fig[name + "_status"] = status
            fig[name + "_p50_ms"] = statistics.median(times) * 1000
            fig[name + "_p90_ms"] = pct(times, 0.9) * 1000
            print("bench-scale: %s HTTP %d p50 %.2f ms p90 %.2f ms" % (name, status, fig[name + "_p50_ms"],
                                                                      fig[name + "_p90_ms"]))
        # --- $lookup / $subsumes vs nginx ---
        codes = [l.split("\t")[0] for l in open(os.path.join(
            rf2, "Snapshot", "Terminology", "sct2_Concept_Snapshot_INT_%s.txt" % man["international"]["date"]),
            encoding="utf-8") if "\t1\t" in l]
        rng = random.Random(7)
        pick = rng.sample(codes, 1000)
        sets = {
            "lookup": ["/fhir/CodeSystem/$lookup?system=%s&code=%s" % (q(SNOMED), k) for k in pick],
            "subsumes": ["/fhir/CodeSystem/$subsumes?system=%s&codeA=%s&codeB=%s" % (q(SNOMED), man["subtree"]["code"], k)
                         for k in pick],
        }
        www = os.path.join(tmp, "www")
        for e, paths in sets.items():
            os.makedirs(os.path.join(www, e))
            with open(os.path.join(tmp, e + ".samsvar"), "w") as fs, open(os.path.join(tmp, e + ".nginx"), "w") as fn:
                for i, p in enumerate(paths):
                    status, body, _ = c.get(p)
                    if status != 200:
                        raise SystemExit("%s answered %d: %s" % (p, status, body[:300]))
                    open(os.path.join(www, e, "%d.json" % i), "wb").write(body)
                    fs.write(p + "\n")
                    fn.write("/%s/%d.json\n" % (e, i))
        ngconf = open(os.path.join(ROOT, "bench", "nginx.conf.in")).read()
        for k, v in (("@WORKERS@", "2"), ("@TMP@", tmp), ("@PORT@", str(ng_port)), ("@ROOT@", www)):
            ngconf = ngconf.replace(k, v)
        open(os.path.join(tmp, "nginx.conf"), "w").write(ngconf)
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        ng = subprocess.Popen([nginx, "-p", tmp, "-c", os.path.join(tmp, "nginx.conf")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                nc = Conn(ng_port)
                if nc.get("/lookup/0.json")[0] == 200:
                    break
            except OSError:
                time.sleep(0.05)
        for e in sets:
            nc = Conn(ng_port)
            if nc.get("/%s/0.json" % e)[1] != open(os.path.join(www, e, "0.json"), "rb").read():
                raise SystemExit("nginx does not serve samsvar's bytes for " + e)
            wrk_rps("http://127.0.0.1:%d/" % sv_port, os.path.join(tmp, e + ".samsvar"), 1)
            wrk_rps("http://127.0.0.1:%d/" % ng_port, os.path.join(tmp, e + ".nginx"), 1)
            ratios, srps, nrps = [], [], []
            for r in range(slices):
                order = ("samsvar", "nginx") if r % 2 == 0 else ("nginx", "samsvar")
                got = {}
                for s in order:
                    port = sv_port if s == "samsvar" else ng_port
                    got[s] = wrk_rps("http://127.0.0.1:%d/" % port, os.path.join(tmp, "%s.%s" % (e, s)), slice_s)
                srps.append(got["samsvar"][0])
                nrps.append(got["nginx"][0])
                ratios.append(got["samsvar"][0] / got["nginx"][0])
            fig[e + "_rps"] = statistics.median(srps)
            fig[e + "_nginx_rps"] = statistics.median(nrps)
            fig[e + "_ratio"] = statistics.median(ratios)
            print("bench-scale: %s %.0f req/s, nginx %.0f req/s, ratio %.2f" % (e, fig[e + "_rps"],
                                                                              fig[e + "_nginx_rps"], fig[e + "_ratio"]))
        # --- publishing a small map while loaded ---
        time.sleep(1)
        c = Conn(sv_port)
        fig["rss_before_mib"] = rss_kib(sv.pid) / 1024
        cm = {"resourceType": "ConceptMap", "url": "https://fhir.samsvar.no/ConceptMap/bench-scale",
              "version": "0.1.0", "status": "draft", "name": "BenchScale",
              "group": [{"source": SNOMED, "target": SNOMED, "element": [
                  {"code": man["leaf"], "target": [{"code": man["root"], "equivalence": "wider"}]}]}]}
        t0 = time.perf_counter()
        status, body, _ = c.post("/fhir/ConceptMap", json.dumps(cm),
                                 {"Content-Type": "application/fhir+json", "Authorization": "Bearer " + token})
        fig["publish_post_ms"] = (time.perf_counter() - t0) * 1000
        fig["publish_status"] = status
        seen = 0
        while time.perf_counter() - t0 < 60:
            st, b, _ = c.get("/fhir/ConceptMap/$translate?url=%s&system=%s&code=%s" %
                             (q(cm["url"]), q(SNOMED), man["leaf"]))
            if st == 200 and b'"result"' in b and b'true' in b:
                seen = 1
                break
        fig["publish_next_ms"] = (time.perf_counter() - t0) * 1000 if seen else -1
        time.sleep(2)
        fig["rss_after_mib"] = rss_kib(sv.pid) / 1024
        print("bench-scale: publish HTTP %d, POST %.0f ms, next request sees it after %.0f ms; RSS %.0f -> %.0f MiB"
              % (status, fig["publish_post_ms"], fig["publish_next_ms"], fig["rss_before_mib"], fig["rss_after_mib"]))
    finally:
        for p in (sv, ng):
            if p and p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(20)
                except subprocess.TimeoutExpired:
                    p.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    write_md(out_md, man, fig, (nconc, ndesc, nisa))
    if os.environ.get("BENCH_SCALE_JSON"):
        json.dump(fig, open(os.environ["BENCH_SCALE_JSON"], "w"), indent=1)
    return 0


# What limits each figure: read off `perf record` of the import and of the daemon under each request kind,
# on this 2-vCPU machine (2026-11-26); the shares are of the samples of that phase or request.
LIMITS = """What limits each figure (perf on this machine; shares are of that phase's or request's samples):
- **Import**: two halves of about the same size. Reading the RF2 files (about 1.6 s: splitting lines,
  checking every id's Verhoeff digit, one hash probe per row) into compact arrays, then writing about
  1.9 M rows (concepts, designations, properties, is-a edges) into four `WITHOUT ROWID` tables in one
  transaction (about 1.7 s, SQLite's B-tree inserts). Peak RSS is those arrays and their string pool
  (about 200 MiB) plus SQLite's page cache and the bundled SNOMED CT fragment the edition is merged with.
- **Start-up**: reading the same rows back in key order (SQLite's step and copying each text into the
  pool) and building the code index and the hierarchy's interval labels: about 0.5 s for the edition.
  The word index (about 30 MiB, 0.45 s) is built right after, in the server's idle main loop: the
  start-up time does not include it, the RSS (read 0.5 s after `/healthz` answers) does, and no
  client's filter waits for it.
- **Daemon RSS**: 1 M designations at 48 bytes, about 40 MiB of term text, 357 k concepts at 96 bytes,
  the code index, the interval labels and the word index. No JSON tree per concept.
- **`$expand isa/<root>`**: the root's subtree is the whole edition; the expansion collects and sorts
  all 350 k descendants (radix sort, 41 %) to give the total and the page, so it is linear in the
  subtree, about 10 ns a concept.
- **`$expand filter`**: one substring pass over the index's distinct words (73 %, `strstr`), then the
  matching words' concept lists.
- **ECL**: sorting and merging the two subtrees' concept sets (merge sort 24 %, set operations).
- **`$lookup` / `$subsumes`**: the HTTP exchange, as for nginx: the look-up itself is a hash probe and,
  for subsumption, a binary search in the interval labels.
- **Publish**: the map's own row and index; the edition's row and content id are unchanged, so it is
  shared with the new snapshot, not read again, and RSS does not grow."""


def ok(b):
    return "**met**" if b else "**not met**"


def write_md(path, man, f, sizes):
    i = man["international"]
    L = ["<!-- scale -->", "## SNOMED CT at full scale (issue 11)\n",
         "Synthetic RF2 Snapshot from `tools/gen-rf2.py --concepts %d --descriptions %d --isa %d --extension`: "
         "%d active concepts, %d inactive, %d description rows, %d active is-a rows (made up; valid SCTIDs). "
         "Measured by bench/scale.py (`BENCH_ONLY=scale sh bench/run.sh build`), %s.\n" %
         (sizes + (i["active_concepts"], i["inactive_concepts"], i["descriptions"], i["is_a"],
                   time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))),
         "| figure | measured | aim | |", "|---|---:|---:|---|",
         "| import wall time | %.2f s | ≤ 10 s | %s |" % (f["import_s"], ok(f["import_s"] <= 10)),
         "| import peak RSS | %.0f MiB | ≤ 1 GB | %s |" % (f["import_rss_mib"], ok(f["import_rss_mib"] <= 1000)),
         "| store file | %.0f MiB | | |" % f["store_mib"],
         "| daemon start-up | %.2f s | ≤ 1 s | %s |" % (f["start_s"], ok(f["start_s"] <= 1)),
         "| daemon RSS (edition + bundled content) | %.0f MiB | ≤ 300 MB | %s |" % (f["start_rss_mib"], ok(f["start_rss_mib"] <= 300)),
         "| `$expand isa/<root>` count=10 p50 (p90) | %.2f ms (%.2f) | ≤ 5 ms | %s |" % (
             f["expand_isa_p50_ms"], f["expand_isa_p90_ms"], ok(f["expand_isa_p50_ms"] <= 5 and f["expand_isa_status"] == 200)),
         "| `$expand filter=%s` count=10 p50 (p90) | %.2f ms (%.2f) | ≤ 5 ms | %s |" % (
             man["word"], f["expand_filter_p50_ms"], f["expand_filter_p90_ms"], ok(f["expand_filter_p50_ms"] <= 5 and f["expand_filter_status"] == 200)),
         "| ECL `<< %s MINUS << %s` (%d − %d concepts) count=10 p50 (p90) | %.2f ms (%.2f) | ≤ 20 ms | %s |" % (
             man["subtree"]["code"], man["subtree"]["child"], man["subtree"]["tree_descendants"],
             man["subtree"]["child_tree_descendants"], f["expand_ecl_p50_ms"], f["expand_ecl_p90_ms"],
             ok(f["expand_ecl_p50_ms"] <= 20 and f["expand_ecl_status"] == 200)),
         "| `$lookup` req/s (nginx, ratio) | %.0f (%.0f, %.2f×) | ≥ 0.8× | %s |" % (
             f["lookup_rps"], f["lookup_nginx_rps"], f["lookup_ratio"], ok(f["lookup_ratio"] >= 0.8)),
         "| `$subsumes` req/s (nginx, ratio) | %.0f (%.0f, %.2f×) | ≥ 0.8× | %s |" % (
             f["subsumes_rps"], f["subsumes_nginx_rps"], f["subsumes_ratio"], ok(f["subsumes_ratio"] >= 0.8)),
         "| publish a small map: POST answered / next request sees it | %.0f ms / %.0f ms (HTTP %d) | ≤ 100 ms | %s |" % (
             f["publish_post_ms"], f["publish_next_ms"], f["publish_status"], ok(0 <= f["publish_next_ms"] <= 100)),
         "| RSS before / 2 s after publishing | %.0f / %.0f MiB | within 10 %% | %s |" % (
             f["rss_before_mib"], f["rss_after_mib"], ok(f["rss_after_mib"] <= 1.1 * f["rss_before_mib"])),
         "", LIMITS, "", "<!-- /scale -->"]
    text = "\n".join(L)
    old = open(path, encoding="utf-8").read() if os.path.exists(path) else ""
    if "<!-- scale -->" in old and "<!-- /scale -->" in old:
        old = old[:old.index("<!-- scale -->")] + text + old[old.index("<!-- /scale -->") + len("<!-- /scale -->"):]
    else:
        old = old.rstrip("\n") + "\n\n" + text + "\n"
    open(path, "w", encoding="utf-8").write(old)
    print("bench-scale: wrote " + path)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
