-- wrk script of benchmarks/hub_pages.py: rotates over the request lines of a file
-- (PATH <tab> COOKIE <tab> AUTHORIZATION, empty fields allowed), counts the answers that are
-- not 200 (wrk's own count takes 3xx as success: a redirect to the sign-in page is not a page),
-- and prints its summary as one JSON line.
--   wrk -t1 -c8 -d10s --latency -s hub_pages.lua http://127.0.0.1:PORT -- REQUESTS_FILE

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   requests = {}
   for line in io.lines(args[1]) do
      local path, cookie, auth = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)$")
      local headers = {}
      if cookie ~= "" then headers["Cookie"] = cookie end
      if auth ~= "" then headers["Authorization"] = auth end
      table.insert(requests, wrk.format("GET", path, headers))
   end
   n = 0
   not200 = 0
   firstbad = ""
end

function request()
   n = n + 1
   return requests[(n - 1) % #requests + 1]
end

function response(status, headers, body)
   if status ~= 200 then
      not200 = not200 + 1
      if firstbad == "" then firstbad = tostring(status) end
   end
end

function done(summary, latency, requests)
   local bad, first = 0, ""
   for _, t in ipairs(threads) do
      bad = bad + t:get("not200")
      if first == "" then first = t:get("firstbad") end
   end
   local e = summary.errors
   io.write(string.format(
      '{"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, ' ..
      '"mean_us": %.1f, "not200": %d, "first_not200": "%s", "connect": %d, "read": %d, "write": %d, ' ..
      '"timeout": %d, "status_4xx5xx": %d}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency.max, latency.mean, bad, first, e.connect, e.read, e.write,
      e.timeout, e.status))
end
