-- post.lua — wrk script: every request POSTs the file named by $BENCH_BODY to $BENCH_PATH with
-- Content-Type $BENCH_CTYPE (default application/fhir+json), and Authorization: Bearer $BENCH_TOKEN
-- when that is set. Used for POST /fhir/$assess and POST /fhir/$send-message.

dofile((os.getenv("BENCH_LUA_DIR") or "bench") .. "/report.lua")

local req

function init(args)
	local f = assert(io.open(assert(os.getenv("BENCH_BODY"), "BENCH_BODY not set"), "rb"))
	local body = f:read("*a")
	f:close()
	local headers = { ["Content-Type"] = os.getenv("BENCH_CTYPE") or "application/fhir+json" }
	if os.getenv("BENCH_TOKEN") then
		headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
	end
	req = wrk.format("POST", assert(os.getenv("BENCH_PATH"), "BENCH_PATH not set"), headers, body)
end

function request()
	return req
end
