package dev.aip.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.aip.core.bedrock.BedrockChatTransport;
import dev.aip.core.bedrock.TenantRoutingInterceptor;
import dev.aip.core.chat.CallTimeouts;
import dev.aip.core.chat.CallEngine;
import dev.aip.core.chat.ChatPipeline;
import dev.aip.core.chat.InferenceSettings;
import dev.aip.core.chat.RetryPolicy;
import dev.aip.core.governance.Budget;
import dev.aip.core.governance.FailurePolicy;
import dev.aip.core.governance.FairShare;
import dev.aip.core.governance.Governance;
import dev.aip.core.governance.PolicySet;
import dev.aip.core.governance.PolicyStore;
import dev.aip.core.governance.TenantPolicy;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.pricing.PriceCatalog;
import dev.aip.core.profile.InferenceProfileApi;
import dev.aip.core.profile.ModelRoutes;
import dev.aip.core.profile.ProfileBalancer;
import dev.aip.core.profile.ProfileLifecycle;
import dev.aip.core.profile.ProfileNameTemplate;
import dev.aip.core.profile.ProvisioningProfileResolver;
import dev.aip.core.profile.StaticProfileResolver;
import dev.aip.core.profile.TagDiscoveryProfileResolver;
import dev.aip.core.profile.TagSchema;
import dev.aip.core.sink.AsyncUsageSink;
import dev.aip.core.sink.JsonLinesLedger;
import dev.aip.core.sink.UsageSink;
import dev.aip.core.tenant.Tier;
import java.lang.reflect.Array;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every public builder refuses a second set of one setting, with a {@link ConfigurationException} naming the
 * setting. Each public method of a builder that returns the builder is a setter: it is either called twice here,
 * listed in {@link #ADDITIVE} (built up by repeated calls by design), or listed in {@link #SKIPPED} (no sample value
 * can be made for it); a setter in none of these fails the test, so no setter escapes the rule unseen.
 */
class BuilderContractTest {

    /** Settings built up by repeated calls (one entry per call): {@code Owner.method/arity}. */
    private static final Set<String> ADDITIVE = Set.of(
            "Governance.failurePolicy/2",
            "StaticProfileResolver.profile/3", "StaticProfileResolver.profile/4",
            "StaticProfileResolver.defaultProfile/2", "StaticProfileResolver.defaultProfile/3",
            "ProvisioningProfileResolver.poolProfile/3",
            "ModelRoutes.route/2",
            "PolicySet.tier/2", "PolicySet.tenant/2",
            "FairShare.weight/2", "FairShare.reservedShare/2", "FairShare.capacity/2", "FairShare.capacity/3",
            "ProfileBalancer.weight/2",
            "TagSchema.tag/2");

    /** Single-value setters this test cannot make a sample value for; each is checked by reading its code. */
    private static final Set<String> SKIPPED = Set.of();

    /** Setters that set a setting named otherwise: {@code Owner.method} to the setting's name. */
    private static final Map<String, String> SETTING_OF = Map.of("RetryPolicy.noDeadline", "deadline");

    private static final Map<Class<?>, IntFunction<Object>> SAMPLES = new LinkedHashMap<>();

    static {
        SAMPLES.put(String.class, i -> i == 0 ? "123456789012" : "210987654321");
        SAMPLES.put(int.class, i -> 2 + i);
        SAMPLES.put(long.class, i -> 2_000L + i);
        SAMPLES.put(boolean.class, i -> i == 0);
        SAMPLES.put(Duration.class, i -> Duration.ofMinutes(10 + i));
        SAMPLES.put(BigDecimal.class, i -> new BigDecimal(i == 0 ? "0.5" : "0.6"));
        SAMPLES.put(Clock.class, i -> Clock.fixed(Instant.EPOCH.plusSeconds(i), ZoneOffset.UTC));
        SAMPLES.put(Tier.class, i -> i == 0 ? Tier.BASIC : Tier.PREMIUM);
        SAMPLES.put(List.class, i -> List.of("model-" + i));
        SAMPLES.put(Set.class, i -> Set.of("model-" + i));
        SAMPLES.put(PriceCatalog.class, i -> PriceCatalog.bundled());
        SAMPLES.put(UsageMeter.class, i -> UsageMeter.builder().sink(r -> { }).build());
        SAMPLES.put(TagSchema.class, i -> TagSchema.defaults());
        SAMPLES.put(ModelRoutes.class, i -> ModelRoutes.builder().region("us-east-1").build());
        SAMPLES.put(ProfileNameTemplate.class, i -> ProfileNameTemplate.DEFAULT);
        SAMPLES.put(PolicySet.class, i -> PolicySet.builder().build());
        SAMPLES.put(PolicyStore.class, i -> PolicyStore.of(PolicySet.builder().build()));
        SAMPLES.put(FairShare.class, i -> FairShare.builder().build());
        SAMPLES.put(TenantPolicy.class, i -> TenantPolicy.EMPTY);
        SAMPLES.put(Budget.class, i -> Budget.UNLIMITED);
        SAMPLES.put(FailurePolicy.class, i -> i == 0 ? FailurePolicy.OPEN : FailurePolicy.CLOSED);
        SAMPLES.put(InferenceSettings.class, i -> InferenceSettings.DEFAULTS);
        SAMPLES.put(ProfileBalancer.class, i -> ProfileBalancer.builder().build());
        SAMPLES.put(RetryPolicy.class, i -> RetryPolicy.none());
        SAMPLES.put(CallTimeouts.class, i -> CallTimeouts.of(Duration.ofSeconds(30 + i)));
    }

    static Stream<Arguments> builders() {
        InferenceProfileApi api = proxy(InferenceProfileApi.class);
        return Stream.of(
                builder("ChatPipeline", ChatPipeline::builder),
                builder("CallEngine", CallEngine::builder),
                builder("Governance", Governance::builder),
                builder("UsageMeter", UsageMeter::builder),
                builder("TenantRoutingInterceptor", TenantRoutingInterceptor::builder),
                builder("BedrockChatTransport", BedrockChatTransport::builder),
                builder("StaticProfileResolver", StaticProfileResolver::builder),
                builder("TagDiscoveryProfileResolver", () -> TagDiscoveryProfileResolver.builder(api)),
                builder("ProvisioningProfileResolver", () -> ProvisioningProfileResolver.builder(api)),
                builder("ProfileLifecycle", () -> ProfileLifecycle.builder(api)),
                builder("ModelRoutes", ModelRoutes::builder),
                builder("TagSchema", TagSchema::builder),
                builder("PolicySet", PolicySet::builder),
                builder("TenantPolicy", TenantPolicy::builder),
                builder("FairShare", FairShare::builder),
                builder("ProfileBalancer", ProfileBalancer::builder),
                builder("RetryPolicy", RetryPolicy::backoff),
                builder("AsyncUsageSink", () -> AsyncUsageSink.builder(proxy(UsageSink.class))),
                builder("JsonLinesLedger", JsonLinesLedger::builder),
                builder("PolicyWatcher", () -> dev.aip.core.governance.PolicyWatcher.builder(filePolicyStore())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("builders")
    void setter_setTwice_isRefusedNamingTheSetting(String owner, Supplier<Object> newBuilder) throws Exception {
        Class<?> type = newBuilder.get().getClass();
        List<String> unchecked = new ArrayList<>();
        int checked = 0;
        for (Method setter : setters(type)) {
            String key = owner + "." + setter.getName() + "/" + setter.getParameterCount();
            if (ADDITIVE.contains(key) || SKIPPED.contains(key)) {
                continue;
            }
            Object[] first = arguments(setter, 0);
            Object[] second = arguments(setter, 1);
            if (first == null || second == null) {
                unchecked.add(key);
                continue;
            }
            Object builder = newBuilder.get();
            try {
                setter.invoke(builder, first);
            } catch (InvocationTargetException e) {
                fail(key + " refused its first value " + Arrays.toString(first), e.getCause());
            }
            Throwable refusal = null;
            try {
                setter.invoke(builder, second);
            } catch (InvocationTargetException e) {
                refusal = e.getCause();
            }
            assertThat(refusal).as(key + " set twice").isInstanceOf(ConfigurationException.class);
            String setting = SETTING_OF.getOrDefault(owner + "." + setter.getName(), setter.getName());
            assertThat(refusal.getMessage()).as(key).contains(owner + "." + setting + " was already set to");
            checked++;
        }
        assertThat(unchecked).as("setters of " + owner + " with no sample value: make one, or list them in SKIPPED")
                .isEmpty();
        assertThat(checked).as("setters checked on " + owner).isPositive();
    }

    @Test
    void additiveAndSkippedLists_nameExistingSetters_noStaleEntries() {
        Set<String> existing = new TreeSet<>();
        builders().forEach(a -> {
            String owner = (String) a.get()[0];
            @SuppressWarnings("unchecked")
            Supplier<Object> b = (Supplier<Object>) a.get()[1];
            for (Method m : setters(b.get().getClass())) {
                existing.add(owner + "." + m.getName() + "/" + m.getParameterCount());
            }
        });
        assertThat(existing).containsAll(ADDITIVE).containsAll(SKIPPED);
    }

    @Test
    void refusal_namesBothValues() {
        var builder = UsageMeter.builder().region("eu-west-1");

        Throwable refusal = org.assertj.core.api.Assertions.catchThrowable(() -> builder.region("us-east-1"));

        assertThat(refusal).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("UsageMeter.region was already set to eu-west-1; cannot set it to us-east-1");
    }

    private static Arguments builder(String owner, Supplier<Object> newBuilder) {
        return Arguments.of(owner, newBuilder);
    }

    private static List<Method> setters(Class<?> type) {
        return Arrays.stream(type.getMethods())
                .filter(m -> m.getReturnType() == type && !Modifier.isStatic(m.getModifiers()))
                .sorted(Comparator.comparing(Method::toString))
                .toList();
    }

    /** Sample arguments for a setter, or null if one of its parameter types has none. */
    private static Object[] arguments(Method setter, int variant) {
        Class<?>[] types = setter.getParameterTypes();
        Object[] args = new Object[types.length];
        for (int i = 0; i < types.length; i++) {
            Object value = sample(types[i], variant);
            if (value == null) {
                return null;
            }
            args[i] = value;
        }
        return args;
    }

    private static Object sample(Class<?> type, int variant) {
        IntFunction<Object> known = SAMPLES.get(type);
        if (known != null) {
            return known.apply(variant);
        }
        if (type.isEnum()) {
            Object[] constants = type.getEnumConstants();
            return constants[variant % constants.length];
        }
        if (type.isArray()) {
            Object element = sample(type.getComponentType(), variant);
            if (element == null) {
                return null;
            }
            Object array = Array.newInstance(type.getComponentType(), 1);
            Array.set(array, 0, element);
            return array;
        }
        if (type.isInterface() && !type.isSealed()) {
            return proxy(type);
        }
        return null;
    }

    /** An implementation of any interface that does nothing; enough for a builder to hold. */
    /** A store over an empty policy file, which a watcher needs. */
    private static PolicyStore filePolicyStore() {
        try {
            java.nio.file.Path file = java.nio.file.Files.createTempFile("policies", ".json");
            file.toFile().deleteOnExit();
            java.nio.file.Files.writeString(file, "{}");
            return PolicyStore.fromFile(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static <T> T proxy(Class<T> type) {
        Object instance = Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (self, method, args) -> {
            switch (method.getName()) {
                case "toString":
                    return "a " + type.getSimpleName();
                case "hashCode":
                    return System.identityHashCode(self);
                case "equals":
                    return self == args[0];
                default:
                    Class<?> r = method.getReturnType();
                    if (r == boolean.class) {
                        return false;
                    }
                    if (r.isPrimitive() && r != void.class) {
                        return r == long.class ? 0L : r == int.class ? 0 : r == double.class ? 0.0 : null;
                    }
                    return null;
            }
        });
        return type.cast(instance);
    }
}
