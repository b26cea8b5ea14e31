// Opt-in smoke test: the AWS SDK for JavaScript v3 against a running emulator (see the README).
// Usage: npm install @aws-sdk/client-bedrock @aws-sdk/client-bedrock-runtime && node smoke.mjs http://127.0.0.1:PORT
import { BedrockClient, CreateInferenceProfileCommand, ListInferenceProfilesCommand, GetInferenceProfileCommand } from "@aws-sdk/client-bedrock";
import { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand } from "@aws-sdk/client-bedrock-runtime";
const endpoint = process.argv[2];
const cfg = { endpoint, region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } };
const cp = new BedrockClient(cfg);
const rt = new BedrockRuntimeClient(cfg);
const created = await cp.send(new CreateInferenceProfileCommand({ inferenceProfileName: "js-tenant-a",
  modelSource: { copyFrom: "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0" },
  tags: [{ key: "TenantId", value: "a" }] }));
console.log("created", created.inferenceProfileArn);
const got = await cp.send(new GetInferenceProfileCommand({ inferenceProfileIdentifier: created.inferenceProfileArn }));
console.log("get", got.inferenceProfileId, got.createdAt instanceof Date);
const list = await cp.send(new ListInferenceProfilesCommand({ typeEquals: "APPLICATION" }));
console.log("list", list.inferenceProfileSummaries.length);
const r = await rt.send(new ConverseCommand({ modelId: created.inferenceProfileArn, messages: [{ role: "user", content: [{ text: "hi" }] }] }));
console.log("converse", r.stopReason, r.usage.inputTokens, r.usage.outputTokens);
const s = await rt.send(new ConverseStreamCommand({ modelId: created.inferenceProfileArn, messages: [{ role: "user", content: [{ text: "hi" }] }] }));
let deltas = 0, usage;
for await (const ev of s.stream) { if (ev.contentBlockDelta) deltas++; if (ev.metadata) usage = ev.metadata.usage; }
console.log("stream deltas", deltas, "usage", usage.outputTokens);
try { await rt.send(new ConverseCommand({ modelId: "no.such-model", messages: [{ role: "user", content: [{ text: "hi" }] }] })); }
catch (e) { console.log("error", e.name, e.$metadata.httpStatusCode); }
