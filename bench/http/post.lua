-- POSTs one iris row. With PACE_MS set, each connection waits that long between requests,
-- which holds the offered load near connections * 1000 / PACE_MS requests per second.
wrk.method = "POST"
wrk.body = '{"sepal_length":5.9,"sepal_width":2.8,"petal_length":4.3,"petal_width":1.3}'
wrk.headers["Content-Type"] = "application/json"

local pace = tonumber(os.getenv("PACE_MS") or "0")

function delay()
  return pace
end

function done(summary, latency, requests)
  io.write(string.format("RESULT rps=%.1f p50_ms=%.3f p99_ms=%.3f errors=%d non2xx=%d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
