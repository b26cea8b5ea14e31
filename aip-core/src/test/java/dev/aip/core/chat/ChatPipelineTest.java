package dev.aip.core.chat;

import static dev.aip.core.chat.Fixtures.arn;
import static dev.aip.core.chat.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.ConfigurationException;
import dev.aip.core.ProfileResolutionException;
import dev.aip.core.UnknownTenantException;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.metering.Operation;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageProvenance;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ChatPipelineTest {

    private final List<String> journal = new CopyOnWriteArrayList<>();
    private final List<UsageRecord> records = new CopyOnWriteArrayList<>();
    private final UsageMeter meter = Fixtures.meter(journal, records);
    private final FakeTransport transport = new FakeTransport(journal);
    private final TenantContext acme = TenantContext.of("acme");

    private ChatPipeline.Builder pipeline() {
        return ChatPipeline.builder().resolver(Fixtures.resolver(journal)).meter(meter).transport(transport);
    }

    @Test
    void chat_withRetry_runsResolveAdmitRetryMeterTransportInThatOrder() {
        transport.failWith(Outcome.THROTTLED, "ThrottlingException").answer(TokenUsage.of(10, 5));
        RetryPolicy upToTwo = RetryPolicy.upTo(2);
        ChatClient chat = pipeline()
                .admission((tenant, request, profile) -> {
                    journal.add("admit " + profile.profileArn());
                    return attempts -> journal.add("release " + attempts.size());
                })
                .retryPolicy(failed -> {
                    journal.add("retry? " + failed.failure().outcome());
                    return upToTwo.decide(failed);
                })
                .build();

        ChatResponse response = chat.chat(acme, request());

        assertThat(journal).containsExactly(
                "resolve acme",
                "admit " + arn("acme"),
                "transport#1 " + arn("acme"),
                "record#1 THROTTLED",
                "retry? THROTTLED",
                "transport#2 " + arn("acme"),
                "record#2 SUCCESS",
                "release 2");
        assertThat(records).extracting(UsageRecord::callId).containsOnly(records.get(0).callId());
        assertThat(response.usageRecordId()).isEqualTo(records.get(1).recordId());
        assertThat(response.usage()).isEqualTo(TokenUsage.of(10, 5));
        assertThat(response.profileArn()).isEqualTo(arn("acme"));
    }

    @Test
    void chat_sendsTheTenantsProfileArnAndMergedMetadata() {
        transport.answer(TokenUsage.of(1, 1));
        ChatClient chat = pipeline().build();
        TenantContext tenant = new TenantContext(TenantId.of("acme"), dev.aip.core.tenant.Tier.PREMIUM,
                Map.of("team", "search"));

        chat.chat(tenant, request().toBuilder().requestMetadata("feature", "chat").build());

        ChatInvocation sent = transport.invocations.get(0);
        assertThat(sent.profile().profileArn()).isEqualTo(arn("acme"));
        assertThat(sent.requestMetadata()).containsExactly(
                Map.entry("tenantId", "acme"), Map.entry("tier", "premium"), Map.entry("feature", "chat"),
                Map.entry("team", "search"));
    }

    @Test
    void chat_refusedByAdmission_recordsRejectedByPolicyAndNeverSends() {
        ChatClient chat = pipeline().admission((tenant, request, profile) -> {
            throw new UnknownTenantException(tenant.id(), "not admitted");
        }).build();

        assertThatThrownBy(() -> chat.chat(acme, request())).isInstanceOf(UnknownTenantException.class);

        assertThat(transport.invocations).isEmpty();
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.REJECTED_BY_POLICY);
            assertThat(r.errorCode()).isEqualTo("UnknownTenantException");
            assertThat(r.provenance()).isEqualTo(UsageProvenance.NONE);
            assertThat(r.profileArn()).isEqualTo(arn("acme"));
        });
    }

    @Test
    void chat_transportFails_rethrowsTheSameExceptionAfterOneRecord() {
        transport.failWith(Outcome.SERVER_ERROR, "InternalServerException");
        ChatClient chat = pipeline().build();

        assertThatThrownBy(() -> chat.chat(acme, request()))
                .isInstanceOf(FakeTransport.FakeFailure.class).hasMessage("InternalServerException");

        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.SERVER_ERROR);
            assertThat(r.errorCode()).isEqualTo("InternalServerException");
            assertThat(r.awsRequestId()).isEqualTo("req-failed");
            assertThat(r.usage()).isEqualTo(TokenUsage.ZERO);
        });
    }

    @Test
    void chat_resolverReturnsAnotherTenantsProfile_isRefusedBeforeSending() {
        ChatClient chat = ChatPipeline.builder()
                .resolver((tenant, model) -> Fixtures.profile(TenantId.of("globex"), model))
                .meter(meter).transport(transport).build();

        assertThatThrownBy(() -> chat.chat(acme, request())).isInstanceOf(ProfileResolutionException.class)
                .hasMessageContaining("globex");
        assertThat(transport.invocations).isEmpty();
        assertThat(records).isEmpty();
    }

    @Test
    void chat_requestNamingTheTenantsOwnProfileArn_isSentThereAndMeteredAsThatProfile() {
        ModelResolver resolver = new ModelResolver();
        String own = resolver.resolve(acme, "claude-sonnet").profileArn();
        transport.answer(TokenUsage.of(3, 2));
        List<ResolvedProfile> admitted = new ArrayList<>();
        ChatClient chat = ChatPipeline.builder().resolver(resolver).meter(meter).transport(transport)
                .admission((tenant, request, profile) -> {
                    admitted.add(profile);
                    return Admission.Permit.NONE;
                }).build();

        ChatResponse response = chat.chat(acme, request().toBuilder().model(own).build());

        assertThat(response.profileArn()).isEqualTo(own);
        assertThat(admitted).extracting(ResolvedProfile::profileArn).containsExactly(own);
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
            assertThat(r.requestedModel()).isEqualTo(own);
            assertThat(r.profileArn()).isEqualTo(own);
            assertThat(r.sourceModelId()).isEqualTo(Fixtures.SONNET);
            assertThat(r.cost().isPriced()).isTrue();
        });
    }

    @Test
    void chat_requestNamingAnotherTenantsOrAnUnknownArn_isRefusedWithOneRejectedRecord() {
        ModelResolver resolver = new ModelResolver();
        String globex = resolver.resolve(TenantContext.of("globex"), "claude-sonnet").profileArn();
        String unknown = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/nobody";
        String foundation = "arn:aws:bedrock:us-east-1::foundation-model/" + Fixtures.SONNET;
        List<String> admitted = new ArrayList<>();
        ChatClient plain = ChatPipeline.builder().resolver(resolver).meter(meter).transport(transport).build();
        ChatClient governed = ChatPipeline.builder().resolver(resolver).meter(meter).transport(transport)
                .admission((tenant, request, profile) -> {
                    admitted.add(profile.profileArn());
                    return Admission.Permit.NONE;
                }).build();

        for (ChatClient chat : List.of(plain, governed)) {
            for (String arn : List.of(globex, unknown, foundation)) {
                records.clear();
                assertThatThrownBy(() -> chat.chat(acme, request().toBuilder().model(arn).build()))
                        .isInstanceOfSatisfying(ProfileResolutionException.class, e -> {
                            assertThat(e.retryable()).isFalse();
                            assertThat(e.tenant()).contains(acme.id());
                            assertThat(e.getMessage()).contains(arn);
                        });
                assertThat(records).singleElement().satisfies(r -> {
                    assertThat(r.tenant()).isEqualTo(acme.id());
                    assertThat(r.outcome()).isEqualTo(Outcome.REJECTED_BY_POLICY);
                    assertThat(r.errorCode()).isEqualTo("ProfileResolutionException");
                    assertThat(r.requestedModel()).isEqualTo(arn);
                    assertThat(r.profileArn()).isNull();
                    assertThat(r.operation()).isEqualTo(Operation.CONVERSE);
                });
            }
        }
        assertThat(transport.invocations).isEmpty();
        assertThat(admitted).isEmpty();
    }

    @Test
    void stream_requestNamingAnotherTenantsArn_deliversTheRefusalWithOneRejectedRecord() {
        ModelResolver resolver = new ModelResolver();
        String globex = resolver.resolve(TenantContext.of("globex"), "claude-sonnet").profileArn();
        List<Throwable> errors = new ArrayList<>();

        ChatStream stream = ChatPipeline.builder().resolver(resolver).meter(meter).transport(transport).build()
                .stream(acme, request().toBuilder().model(globex).build(), new ChatStreamListener() {
                    @Override
                    public void onError(Throwable error) {
                        errors.add(error);
                    }
                });

        assertThat(errors).singleElement().isInstanceOf(ProfileResolutionException.class);
        assertThat(stream.completion()).isCompletedExceptionally();
        assertThat(transport.invocations).isEmpty();
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.REJECTED_BY_POLICY);
            assertThat(r.operation()).isEqualTo(Operation.CONVERSE_STREAM);
        });
    }

    @Test
    void chat_logicalModelTheResolverCannotResolve_failsWithoutARecord() {
        ChatClient chat = ChatPipeline.builder().resolver((tenant, model) -> {
            throw new UnknownTenantException(tenant.id(), "no profile");
        }).meter(meter).transport(transport).build();

        assertThatThrownBy(() -> chat.chat(acme, request())).isInstanceOf(UnknownTenantException.class);
        assertThat(records).isEmpty();
        assertThat(transport.invocations).isEmpty();
    }

    @Test
    void chat_pooledProfileOfAnotherTenant_isUsedAndFlaggedPooled() {
        transport.answer(TokenUsage.of(1, 1));
        ChatClient chat = ChatPipeline.builder()
                .resolver((tenant, model) -> new ResolvedProfile(TenantId.of("pool-standard"), model,
                        arn("pool"), "poolprof", Fixtures.SONNET, "us-east-1", true))
                .meter(meter).transport(transport).build();

        chat.chat(acme, request());

        assertThat(transport.invocations.get(0).requestMetadata()).containsEntry("pooled", "true")
                .containsEntry("tenantId", "acme");
        assertThat(records.get(0).pooledProfile()).isTrue();
        assertThat(records.get(0).tenant()).isEqualTo(TenantId.of("acme"));
    }

    @Test
    void chat_withoutTenantInScope_failsWithUnknownTenant() {
        ChatClient chat = pipeline().build();
        assertThatThrownBy(() -> chat.chat(request())).isInstanceOf(UnknownTenantException.class);
    }

    @Test
    void chat_withTenantInScope_usesIt() {
        transport.answer(TokenUsage.of(1, 1));
        ChatClient chat = pipeline().build();
        dev.aip.core.tenant.TenantScope.run(TenantContext.of("initech"), () -> chat.chat(request()));
        assertThat(records.get(0).tenant()).isEqualTo(TenantId.of("initech"));
    }

    @Test
    void build_withoutTransport_isAConfigurationError() {
        assertThatThrownBy(() -> ChatPipeline.builder().resolver(Fixtures.resolver(journal)).meter(meter).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("transport");
        assertThatThrownBy(() -> pipeline().meter(meter)).isInstanceOf(ConfigurationException.class);
    }

    @Test
    void stream_completes_deliversTextAndResponseBoundToItsRecord() {
        List<String> texts = new ArrayList<>();
        List<ChatResponse> done = new ArrayList<>();
        ChatStream stream = pipeline().build().stream(acme, request(), new ChatStreamListener() {
            @Override
            public void onText(String text) {
                texts.add(text);
            }

            @Override
            public void onComplete(ChatResponse response) {
                done.add(response);
            }
        });

        transport.stream(0).open("req-s").text("Hel").text("lo").usage(new TokenUsage(12, 2, 3, 4)).complete();

        assertThat(texts).containsExactly("Hel", "lo");
        UsageRecord r = records.get(0);
        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(r.operation()).isEqualTo(Operation.CONVERSE_STREAM);
        assertThat(r.usage()).isEqualTo(new TokenUsage(12, 2, 3, 4));
        assertThat(r.timeToFirstToken()).isNotNull();
        assertThat(r.awsRequestId()).isEqualTo("req-s");
        assertThat(done).singleElement().satisfies(resp -> {
            assertThat(resp.usageRecordId()).isEqualTo(r.recordId());
            assertThat(resp.text()).isEqualTo("Hello");
        });
        assertThat(stream.completion()).isCompletedWithValue(done.get(0));
    }

    @Test
    void stream_cancelledHalfway_settlesOneCancelledRecordWithEstimate() {
        List<Throwable> errors = new ArrayList<>();
        ChatStream stream = pipeline().build().stream(acme, request(), new ChatStreamListener() {
            @Override
            public void onError(Throwable error) {
                errors.add(error);
            }
        });
        transport.stream(0).open("req-c").text("12345678");

        assertThat(stream.cancel()).isTrue();
        transport.stream(0).text("late").complete();

        assertThat(stream.cancel()).isFalse();
        assertThat(transport.stream(0).cancelled).isTrue();
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.CANCELLED);
            assertThat(r.provenance()).isEqualTo(UsageProvenance.ESTIMATED);
            // "Hello there" is 11 characters: 3 tokens; 8 characters seen before the cancel: 2 tokens.
            assertThat(r.usage()).isEqualTo(TokenUsage.of(3, 2));
        });
        assertThat(errors).isEmpty();
        assertThat(stream.completion()).isCompletedExceptionally();
        assertThatThrownBy(() -> stream.completion().join()).isInstanceOf(CancellationException.class);
    }

    @Test
    void stream_cancelledAfterUsageArrived_recordsReportedUsage() {
        ChatStream stream = pipeline().build().stream(acme, request(), new ChatStreamListener() { });
        transport.stream(0).open("r").text("abc").usage(TokenUsage.of(40, 9));

        stream.cancel();

        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.CANCELLED);
            assertThat(r.provenance()).isEqualTo(UsageProvenance.REPORTED);
            assertThat(r.usage()).isEqualTo(TokenUsage.of(40, 9));
        });
    }

    @Test
    void stream_failsAfterStart_isRecordedAsInterrupted() {
        List<Throwable> errors = new ArrayList<>();
        pipeline().build().stream(acme, request(), new ChatStreamListener() {
            @Override
            public void onError(Throwable error) {
                errors.add(error);
            }
        });
        FakeTransport.FakeFailure failure = new FakeTransport.FakeFailure(Outcome.SERVER_ERROR,
                "ModelStreamErrorException");
        transport.stream(0).open("r").text("abcd").error(failure);

        assertThat(errors).containsExactly(failure);
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.STREAM_INTERRUPTED);
            assertThat(r.errorCode()).isEqualTo("ModelStreamErrorException");
            assertThat(r.provenance()).isEqualTo(UsageProvenance.ESTIMATED);
        });
    }

    @Test
    void stream_failsBeforeStart_isRetriedByPolicyAndNothingLeaksToTheListener() {
        List<String> events = new ArrayList<>();
        ChatStream stream = pipeline().retryPolicy(RetryPolicy.upTo(3)).build()
                .stream(acme, request(), new ChatStreamListener() {
                    @Override
                    public void onText(String text) {
                        events.add("text " + text);
                    }

                    @Override
                    public void onError(Throwable error) {
                        events.add("error");
                    }

                    @Override
                    public void onComplete(ChatResponse response) {
                        events.add("complete");
                    }
                });
        transport.stream(0).error(new FakeTransport.FakeFailure(Outcome.THROTTLED, "ThrottlingException"));
        transport.stream(1).open("r2").text("ok").usage(TokenUsage.of(3, 1)).complete();

        assertThat(events).containsExactly("text ok", "complete");
        assertThat(records).extracting(UsageRecord::attempt, UsageRecord::outcome)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1, Outcome.THROTTLED),
                        org.assertj.core.groups.Tuple.tuple(2, Outcome.SUCCESS));
        assertThat(stream.completion()).isCompleted();
    }

    @Test
    void stream_listenerThatThrows_doesNotStopMetering() {
        pipeline().build().stream(acme, request(), new ChatStreamListener() {
            @Override
            public void onText(String text) {
                throw new IllegalStateException("listener bug");
            }

            @Override
            public void onComplete(ChatResponse response) {
                throw new IllegalStateException("listener bug");
            }
        });
        transport.stream(0).open("r").text("x").usage(TokenUsage.of(1, 1)).complete();
        assertThat(records).singleElement().extracting(UsageRecord::outcome).isEqualTo(Outcome.SUCCESS);
    }

    @Test
    void stream_admissionRefuses_deliversTheErrorAndRecordsRejection() {
        List<Throwable> errors = new ArrayList<>();
        ChatStream stream = pipeline().admission((t, r, p) -> {
            throw new UnknownTenantException(t.id(), "no");
        }).build().stream(acme, request(), new ChatStreamListener() {
            @Override
            public void onError(Throwable error) {
                errors.add(error);
            }
        });
        assertThat(errors).singleElement().isInstanceOf(UnknownTenantException.class);
        assertThat(stream.completion()).isCompletedExceptionally();
        assertThat(records).singleElement().extracting(UsageRecord::outcome).isEqualTo(Outcome.REJECTED_BY_POLICY);
    }

    @Test
    void stream_permitReleasedOnceOnCancel_afterTheAttemptWasSettled() {
        List<List<UsageRecord>> releases = new CopyOnWriteArrayList<>();
        ChatStream stream = pipeline().admission((t, r, p) -> releases::add).build()
                .stream(acme, request(), new ChatStreamListener() { });
        transport.stream(0).open("r").text("abc");

        stream.cancel();
        stream.cancel();

        assertThat(releases).singleElement().satisfies(attempts ->
                assertThat(attempts).singleElement().extracting(UsageRecord::outcome).isEqualTo(Outcome.CANCELLED));
    }

    @Test
    void stream_cancelRacingCompletion_alwaysYieldsExactlyOneRecord() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            ChatClient chat = pipeline().build();
            for (int i = 0; i < 300; i++) {
                records.clear();
                ChatStream stream = chat.stream(acme, request(), new ChatStreamListener() { });
                FakeTransport.FakeStream fake = transport.stream(i).open("r").text("abc").usage(TokenUsage.of(5, 1));
                CyclicBarrier barrier = new CyclicBarrier(2);
                var a = pool.submit(() -> {
                    barrier.await();
                    return stream.cancel();
                });
                var b = pool.submit(() -> {
                    barrier.await();
                    fake.complete();
                    return null;
                });
                a.get(10, TimeUnit.SECONDS);
                b.get(10, TimeUnit.SECONDS);
                assertThat(records).hasSize(1);
                assertThat(stream.completion()).isDone();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
