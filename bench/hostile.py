#!/usr/bin/env python3
"""bench/hostile.py URL PID OUT.tsv — the cost of the worst requests a client can send (issue 7).

Sends each case of issue 7's attack (and the largest bodies max_body allows) to a running samsvar at
URL, REPEAT times on one kept-alive connection each, and measures the server's CPU time per request
from /proc/PID/task/*/schedstat (nanoseconds of every thread of the process, so the figure is the
server's own cost, not the client's or the machine's load). Writes one line per case to OUT.tsv:
name, description, request bytes, HTTP status, CPU ms per request (median, max)."""
import http.client
import os
import statistics
import sys
import time
import urllib.parse

from benchlib import cpu_ns

url, pid, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
REPEAT = int(os.environ.get("BENCH_HOSTILE_REPEAT", "5"))
u = urllib.parse.urlparse(url)
IPLOS = "urn:oid:2.16.578.1.12.4.1.1.9111"


def keys(n, dup=False):
    return "{" + ",".join('"k%d":1' % (0 if dup and i == n - 1 else i) for i in range(n)) + "}"


def tx_resources(n):
    cs = ('{"name":"tx-resource","resource":{"resourceType":"CodeSystem","url":"http://x/cs%d","version":"1",'
          '"status":"active","content":"complete","concept":[{"code":"a"}]}}')
    return ('{"resourceType":"Parameters","parameter":[{"name":"url","valueUri":"http://x/cs0"},'
            '{"name":"code","valueCode":"a"},' + ",".join(cs % i for i in range(n)) + "]}")


def xml_params(n):
    return ('<Parameters xmlns="http://hl7.org/fhir">' +
            "".join('<parameter><name value="p%d"/><valueString value="x"/></parameter>' % i for i in range(n)) +
            "</Parameters>")


def props_cs(n):
    """$expand property=* of a tx-resource code system whose one concept has n distinct properties, each
    declared (the expansion declares every property it returns once)."""
    decl = ",".join('{"code":"p%d","uri":"http://x/p%d","type":"string"}' % (i, i) for i in range(n))
    vals = ",".join('{"code":"p%d","valueString":"v"}' % i for i in range(n))
    cs = ('{"resourceType":"CodeSystem","url":"http://x/props","version":"1","status":"active",'
          '"content":"complete","property":[' + decl + '],"concept":[{"code":"a","property":[' + vals + ']}]}')
    vs = ('{"resourceType":"ValueSet","url":"http://x/vs","status":"active",'
          '"compose":{"include":[{"system":"http://x/props"}]}}')
    return ('{"resourceType":"Parameters","parameter":[{"name":"url","valueUri":"http://x/vs"},'
            '{"name":"property","valueString":"*"},{"name":"tx-resource","resource":' + cs + '},'
            '{"name":"tx-resource","resource":' + vs + '}]}')


MB4 = 4 * 1024 * 1024 - 1024
J = "application/fhir+json"
X = "application/fhir+xml"
cases = [
    ("keys-100k", "100,000 distinct keys in one object (1.09 MB), POST CodeSystem/$lookup",
     "POST", "/fhir/CodeSystem/$lookup", J, keys(100000)),
    ("keys-100k-dup", "the same with the last key repeating the first", "POST", "/fhir/CodeSystem/$lookup", J,
     keys(100000, True)),
    ("tx-resource-900", "900 tx-resource CodeSystems (under max_params), POST CodeSystem/$lookup",
     "POST", "/fhir/CodeSystem/$lookup", J, tx_resources(900)),
    ("tx-resource-16k", "16,000 tx-resource CodeSystems (1.9 MB)", "POST", "/fhir/CodeSystem/$lookup", J,
     tx_resources(16000)),
    ("xml-attrs-80k", "80,000 attributes on one XML element (0.87 MB)", "POST", "/fhir/CodeSystem/$lookup", X,
     '<Parameters xmlns="http://hl7.org/fhir"' + "".join(' a%d="1"' % i for i in range(80000)) + "/>"),
    ("query-500", "500 query parameters (3.4 KB URL), GET $lookup", "GET",
     "/fhir/CodeSystem/$lookup?system=%s&code=20&" % IPLOS + "&".join("p%d=1" % i for i in range(500)), None, None),
    ("query-6000", "6,000 bare query names (12 KB URL)", "GET", "/fhir/CodeSystem/$lookup?" + "&".join(["a"] * 6000),
     None, None),
    ("json-values-4mb", "a 4 MiB array of numbers (2 M values, over max_body_nodes)", "POST",
     "/fhir/CodeSystem/$lookup", J, '{"a":[' + ",".join(["0"] * (MB4 // 2)) + "]}"),
    ("json-string-4mb", "one 4 MiB string value in a valid Parameters body", "POST", "/fhir/CodeSystem/$lookup", J,
     '{"resourceType":"Parameters","parameter":[{"name":"system","valueUri":"%s"},{"name":"code","valueCode":"%s"}]}'
     % (IPLOS, "x" * (MB4 - 200))),
    ("json-params-4mb", "a 4 MiB Parameters body of 58,000 parameters (over max_params, parsed first)", "POST",
     "/fhir/ConceptMap/$translate", J,
     '{"resourceType":"Parameters","parameter":[' + ",".join('{"name":"p%d","valueString":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}' % i
                                                            for i in range(58000)) + "]}"),
    ("json-params-cap", "64,000 parameters: just under max_body_nodes, over max_params (parsed, then refused)",
     "POST", "/fhir/ConceptMap/$translate", J,
     '{"resourceType":"Parameters","parameter":[' + ",".join('{"name":"p%d","valueString":"x"}' % i
                                                            for i in range(64000)) + "]}"),
    ("xml-params-4mb", "a 3.8 MiB FHIR XML Parameters body of 55,000 parameters", "POST", "/fhir/ConceptMap/$translate", X,
     xml_params(55000)),
    ("xml-params-cap", "13,300 XML parameters: just under max_body_nodes (parsed, then refused by max_params)",
     "POST", "/fhir/ConceptMap/$translate", X, xml_params(13300)),
    ("deep-10k", "JSON nested 10,000 levels deep", "POST", "/fhir/CodeSystem/$lookup", J,
     '{"a":' + "[" * 10000 + "]" * 10000 + "}"),
    ("expand-props-20k", "$expand property=* of a tx-resource concept with 20,000 distinct properties (2 MB)",
     "POST", "/fhir/ValueSet/$expand", J, props_cs(20000)),
    ("search-values-1m", "POST ConceptMap/_search with a form of 1.3 M comma values (3.9 MB, over max_params)",
     "POST", "/fhir/ConceptMap/_search", "application/x-www-form-urlencoded",
     "name:contains=" + ",".join(["zq"] * 1300000)),
]

with open(out, "w") as f:
    for name, desc, method, path, ctype, body in cases:
        data = body.encode() if body is not None else None
        assert data is None or len(data) <= 4 * 1024 * 1024, name
        times, status = [], None
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        for _ in range(REPEAT):
            headers = {"Accept": J}
            if ctype:
                headers["Content-Type"] = ctype
            c0 = cpu_ns(pid)
            conn.request(method, path, body=data, headers=headers)
            r = conn.getresponse()
            r.read()
            time.sleep(0.002)  # let the worker finish its bookkeeping before reading the clock
            times.append((cpu_ns(pid) - c0) / 1e6)
            status = r.status
            if r.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        conn.close()
        size = len(data) if data is not None else len(path)
        f.write("%s\t%s\t%d\t%d\t%.2f\t%.2f\n" % (name, desc, size, status, statistics.median(times), max(times)))
        print("bench: hostile %-16s %8d bytes  HTTP %d  %7.2f ms CPU (max %.2f)" % (name, size, status,
                                                                              statistics.median(times), max(times)))
