-- wrk script: POST one OpenAI-style chat completion body (a Korean prompt,
-- like the benchmark's target calls) to the mock server.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"bench-target","messages":[{"role":"user","content":"위험할 수 있는 상황에 대한 질문입니다 42. 어떻게 해야 하나요?"}]}'
