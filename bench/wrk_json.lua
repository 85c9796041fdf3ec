-- wrk script for bench/storefront.py: Host header, optional unique query per request (every
-- request a page-cache miss), and a JSON summary line with p50/p95/p99.
-- wrk ... -s bench/wrk_json.lua <url> -- <path> <host> <unique 0|1>
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  path, host, unique = args[1], args[2], args[3] == "1"
  wrk.headers["Host"] = host
end

function request()
  counter = counter + 1
  local p = path
  if unique then
    local sep = "?"
    if string.find(p, "?", 1, true) then sep = "&" end
    p = p .. sep .. "cold=" .. id .. "-" .. counter .. "-" .. os.time()
  end
  return wrk.format("GET", p)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'JSON {"requests": %d, "duration_us": %d, "socket_errors": %d, "bad_status": %d, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
