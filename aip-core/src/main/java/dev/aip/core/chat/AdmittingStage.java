package dev.aip.core.chat;

import dev.aip.core.ConfigurationException;
import dev.aip.core.metering.Meter;
import dev.aip.core.metering.MeteredCall;
import dev.aip.core.metering.Outcome;

/**
 * Second stage: lets the {@link Admission} shape the request, asks it before any attempt (once per call, on the
 * call's first profile), records a {@code REJECTED_BY_POLICY} attempt when it refuses, and releases the permit
 * exactly once when the call is over and every attempt it started is settled, with the records of all attempts.
 */
final class AdmittingStage implements ChatStage {

    private final Admission admission;
    private final Meter meter;
    private final ChatStage next;

    AdmittingStage(Admission admission, Meter meter, ChatStage next) {
        this.admission = admission;
        this.meter = meter;
        this.next = next;
    }

    @Override
    public ChatResponse call(Call call) {
        Admission.Permit permit = admit(call);
        try {
            return next.call(call);
        } finally {
            call.whenAttemptsSettled(() -> permit.release(call.records()));
        }
    }

    @Override
    public ChatStream stream(Call call, ChatStreamListener listener) {
        Admission.Permit permit;
        try {
            permit = admit(call);
        } catch (RuntimeException e) {
            Relay failed = new Relay(listener);
            failed.onError(e);
            return failed;
        }
        Relay relay = new Relay(listener) {
            @Override
            ChatResponse onCompleting(ChatResponse response) {
                call.whenAttemptsSettled(() -> permit.release(call.records()));
                return response;
            }

            @Override
            void onFailing(Throwable error) {
                call.whenAttemptsSettled(() -> permit.release(call.records()));
            }

            @Override
            void onCancelled() {
                // A cancel can overtake an attempt still settling on the transport's thread: release after it.
                call.whenAttemptsSettled(() -> permit.release(call.records()));
            }
        };
        relay.upstream(next.stream(call, relay));
        return relay;
    }

    private Admission.Permit admit(Call call) {
        try {
            ChatRequest shaped = admission.shape(call.tenant, call.request);
            if (shaped != call.request) {
                call.request = checkedShape(call.request, shaped);
            }
            Admission.Permit permit = admission.admit(call.tenant, call.request, call.profile);
            return permit != null ? permit : Admission.Permit.NONE;
        } catch (RuntimeException e) {
            MeteredCall rejected = meter.start(call.callInfo());
            rejected.fail(Outcome.REJECTED_BY_POLICY, e.getClass().getSimpleName());
            rejected.record().ifPresent(call::recorded);
            throw e;
        }
    }

    /** A shaped request may change the inference settings only: the rest was resolved, metered and merged on. */
    private static ChatRequest checkedShape(ChatRequest asked, ChatRequest shaped) {
        if (shaped == null || !shaped.model().equals(asked.model())
                || !shaped.messages().equals(asked.messages()) || !shaped.system().equals(asked.system())
                || !shaped.tools().equals(asked.tools())
                || !shaped.requestMetadata().equals(asked.requestMetadata())
                || !shaped.attributes().equals(asked.attributes())) {
            throw new ConfigurationException("Admission.shape may change a request's inference settings only; it"
                    + " returned " + (shaped == null ? "null" : "a request with other content or model"));
        }
        return shaped;
    }
}
