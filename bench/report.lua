-- report.lua — wrk `done` hook shared by the bench scripts: prints one machine-readable line
--   BENCH requests duration_us rps p50_us p99_us non2xx socket_errors connect read write timeout
-- that bench/run.sh parses (wrk's own text summary is kept in the log for humans).

function done(summary, latency, requests)
	local e = summary.errors
	local sockerr = e.connect + e.read + e.write + e.timeout
	io.write(string.format("BENCH %d %d %.1f %d %d %d %d %d %d %d %d\n",
		summary.requests, summary.duration,
		summary.requests / (summary.duration / 1e6),
		latency:percentile(50), latency:percentile(99),
		e.status, sockerr, e.connect, e.read, e.write, e.timeout))
end
