package dev.aip.spring;

import dev.aip.core.metering.UsageMeter;
import dev.aip.core.profile.TenantProfileResolver;
import org.springframework.ai.bedrock.converse.BedrockProxyChatModel;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.ChatClientCustomizer;
import dev.aip.core.chat.CallObserver;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;

/**
 * The Spring AI side: a primary {@link TenantAwareChatModel} over Spring AI's {@code BedrockProxyChatModel} (which
 * already runs on aip's clients), and the {@link TenantAdvisor} on the auto-configured {@code ChatClient.Builder}.
 */
@AutoConfiguration(after = AipAutoConfiguration.class, afterName = {
    "org.springframework.ai.model.bedrock.converse.autoconfigure.BedrockConverseProxyChatAutoConfiguration",
    "org.springframework.ai.model.chat.client.autoconfigure.ChatClientAutoConfiguration"})
@ConditionalOnClass({BedrockProxyChatModel.class, ChatClient.class})
@ConditionalOnBean(UsageMeter.class)
public class AipSpringAiAutoConfiguration {

    @Bean
    @Primary
    @ConditionalOnBean(BedrockProxyChatModel.class)
    @ConditionalOnMissingBean(TenantAwareChatModel.class)
    TenantAwareChatModel aipChatModel(BedrockProxyChatModel bedrock) {
        return new TenantAwareChatModel(bedrock);
    }

    @Bean
    @ConditionalOnMissingBean
    TenantAdvisor aipTenantAdvisor(TenantDirectory tenants, TenantProfileResolver resolver, UsageMeter meter,
                                   ObjectProvider<AdmissionGate> gate,
                                   ObjectProvider<BedrockProxyChatModel> bedrock,
                                   ObjectProvider<CallObserver> observer) {
        BedrockProxyChatModel model = bedrock.getIfAvailable();
        String defaultModel = model == null || model.getDefaultOptions() == null ? null
                : model.getDefaultOptions().getModel();
        return new TenantAdvisor(tenants, resolver, gate.getIfAvailable(), meter, defaultModel,
                observer.getIfUnique());
    }

    @Bean
    ChatClientCustomizer aipChatClientCustomizer(TenantAdvisor advisor) {
        return builder -> builder.defaultAdvisors(advisor);
    }
}
