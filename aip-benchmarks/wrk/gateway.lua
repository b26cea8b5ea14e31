-- wrk script: POST an OpenAI chat completion to the aip gateway (dev profile key of tenant acme). The prompt is the
-- one converse.lua sends to the emulator directly, so the two runs compare like with like.
-- wrk -t2 -c200 -d30s --latency -s gateway.lua http://127.0.0.1:18080
wrk.method = "POST"
wrk.path = "/v1/chat/completions"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer sk-acme-dev"
wrk.body = '{"model":"claude-haiku","max_tokens":256,"messages":[{"role":"user","content":'
        .. '"Summarise the quarterly report in three bullet points."}]}'

errors = 0
response = function(status, headers, body)
  if status ~= 200 then errors = errors + 1 end
end
