-- paths.lua — wrk script: each request is a GET of a path picked at random from the file named by
-- $BENCH_PATHS (one path per line). bench/run.sh writes one such file per server with the same
-- line order, so samsvar's line N and nginx's line N return the same bytes; the seed is fixed,
-- so both servers see the same sequence of picks.

dofile((os.getenv("BENCH_LUA_DIR") or "bench") .. "/report.lua")

local threads = 0

function setup(thread)
	threads = threads + 1
	thread:set("tid", threads)
end

local reqs = {}

function init(args)
	local f = assert(io.open(assert(os.getenv("BENCH_PATHS"), "BENCH_PATHS not set"), "r"))
	for line in f:lines() do
		if line ~= "" then
			reqs[#reqs + 1] = wrk.format("GET", line)
		end
	end
	f:close()
	assert(#reqs > 0, "no paths in " .. os.getenv("BENCH_PATHS"))
	math.randomseed(4242 + (tid or 0))
end

function request()
	return reqs[math.random(#reqs)]
end
