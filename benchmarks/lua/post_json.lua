-- POSTs item.json (next to this script) as application/json on every request, then prints
-- the summary line benchmarks/harness/load.py reads (harness/wrk_report.lua).
--   wrk -t1 -c64 -d5s -s benchmarks/lua/post_json.lua http://127.0.0.1:8311/api/items
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"

local file = assert(io.open(here .. "item.json", "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
wrk.headers["Content-Type"] = "application/json"
file:close()

dofile(here .. "../harness/wrk_report.lua")
