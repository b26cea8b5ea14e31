package dev.aip.agentcore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.bedrock.BedrockChatTransport;
import dev.aip.core.chat.ChatClient;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatPipeline;
import dev.aip.core.chat.ChatRequest;
import dev.aip.testkit.EmulatorFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Runs the README's "Deploying to AgentCore Runtime" snippet as printed. */
class ReadmeAgentCoreTest {

    @RegisterExtension
    static final EmulatorFixture BEDROCK = EmulatorFixture.builder().tenants("acme").build();

    @Test
    void readme_agentServer_routesToTheTenantsProfileWithTheSessionOnTheRecord() throws Exception {
        ChatClient chat = ChatPipeline.builder().resolver(BEDROCK.resolver()).meter(BEDROCK.meter())
                .transport(BedrockChatTransport.builder().client(BEDROCK.runtimeClient()).build())
                .build();

        AgentCoreServer.Builder agent = AgentCoreServer.builder()   // 0.0.0.0:8080 by default, as the runtime expects
                .identity(TenantIdentity.firstOf(TenantIdentity.jwtClaim(), TenantIdentity.header()))
                .handler(invocation -> Map.of("response", chat.chat(ChatRequest.builder()
                        .model("claude-haiku")
                        .message(ChatMessage.user(invocation.text("prompt").orElse("")))
                        .build()).text()));

        String session = "readme-session-00000000000000000000000";
        try (AgentCoreServer server = agent.bindAddress("127.0.0.1").port(0).build().start()) {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + server.port() + "/invocations"))
                    .header(TenantIdentity.TENANT_HEADER, "acme")
                    .header(AgentCoreServer.SESSION_HEADER, session)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"Hello\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
        }
        assertThat(BEDROCK.records()).singleElement().satisfies(record -> {
            assertThat(record.profileArn()).isEqualTo(BEDROCK.profileArn("acme"));
            assertThat(record.attributes()).containsEntry("agentcore.session", session);
        });
    }
}
