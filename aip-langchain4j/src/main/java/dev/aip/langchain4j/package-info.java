/**
 * Tenant-aware LangChain4j: {@link dev.aip.langchain4j.TenantBedrockModels} builds LangChain4j's Bedrock chat models
 * on SDK clients that carry aip's routing interceptor, so one model serves every tenant, each call going to its
 * tenant's application inference profile, governed and metered once. Refusals surface as
 * {@link dev.aip.langchain4j.CallRejectedException}, which LangChain4j does not retry.
 * {@link dev.aip.langchain4j.TenantChatMemories} keeps AI services' chat memories per tenant and memory id.
 * {@link dev.aip.langchain4j.TenantNodeHook} attributes the calls of LangGraph4j workflows to their run and node.
 */
package dev.aip.langchain4j;
