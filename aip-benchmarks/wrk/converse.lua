-- wrk script: POST a Converse request to the emulator (no signature needed; the emulator ignores it).
-- wrk -t2 -c16 -d20s -s converse.lua http://127.0.0.1:4566
wrk.method = "POST"
wrk.path = "/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"messages":[{"role":"user","content":[{"text":"Summarise the quarterly report in three bullet points."}]}],'
        .. '"inferenceConfig":{"maxTokens":256}}'

errors = 0
response = function(status, headers, body)
  if status ~= 200 then errors = errors + 1 end
end
