-- wrk script: POST a ConverseStream request; wrk reads each event-stream body to its end.
-- Start the emulator with --reply-tokens 100 --stream-chunk-tokens 1 for 100 text deltas per stream.
-- wrk -t2 -c16 -d20s -s converse-stream.lua http://127.0.0.1:4566
wrk.method = "POST"
wrk.path = "/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse-stream"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"messages":[{"role":"user","content":[{"text":"Write a long story about a lighthouse keeper."}]}],'
        .. '"inferenceConfig":{"maxTokens":1000}}'
