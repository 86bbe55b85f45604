-- wrk script for bench/ingest_bench.py: POSTs one JSON body (env WRK_BODY_FILE) to the URL,
-- counts answers by status code per thread and prints them as one JSON line at the end.
-- Optional env: WRK_HEADERS ("Name: value|Name: value"), WRK_VARY=1 (a different body each time).
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

-- WRK_VARY=1: the body holds @@N@@, replaced by a number of its own in every request (thread
-- and counter), so that no two requests send the same body. Decided here, at the top level:
-- wrk builds a request per call only when a request() function exists once the script is loaded.
if os.getenv("WRK_VARY") == "1" then
  local counter = 0
  function request()
    counter = counter + 1
    return wrk.format(nil, nil, nil, head .. id .. "-" .. counter .. tail)
  end
end

function init(args)
  local f = assert(io.open(os.getenv("WRK_BODY_FILE"), "rb"))
  body = f:read("*a")
  f:close()
  head, tail = body:match("^(.-)@@N@@(.*)$")
  codes = {}
  wrk.method = "POST"
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
  local extra = os.getenv("WRK_HEADERS") or ""
  for name, value in string.gmatch(extra, "([^:|]+):%s*([^|]*)") do
    wrk.headers[name] = value
  end
end

function response(status, headers, body)
  codes[status] = (codes[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    local c = t:get("codes")
    for k, v in pairs(c) do
      total[k] = (total[k] or 0) + v
    end
  end
  local parts = {}
  for k, v in pairs(total) do
    table.insert(parts, string.format('"%d": %d', k, v))
  end
  io.write(string.format(
    'WRKJSON {"codes": {%s}, "requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "errors": %d}\n',
    table.concat(parts, ", "), summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout + summary.errors.status))
end
