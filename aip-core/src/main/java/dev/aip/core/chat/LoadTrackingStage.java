package dev.aip.core.chat;

import dev.aip.core.profile.ProfileBalancer;

/**
 * Between retry and meter, with a balancer only: counts each attempt as in flight on its profile from its start to
 * its end. The lease is released on every end of the attempt (return, exception, complete, error, cancel); the
 * relay lets exactly one of those through, and the lease ignores a second release anyway.
 */
final class LoadTrackingStage implements ChatStage {

    private final ProfileBalancer balancer;
    private final ChatStage next;

    LoadTrackingStage(ProfileBalancer balancer, ChatStage next) {
        this.balancer = balancer;
        this.next = next;
    }

    @Override
    public ChatResponse call(Call call) {
        ProfileBalancer.Lease lease = balancer.acquire(call.profile);
        try {
            return next.call(call);
        } finally {
            lease.release();
        }
    }

    @Override
    public ChatStream stream(Call call, ChatStreamListener listener) {
        ProfileBalancer.Lease lease = balancer.acquire(call.profile);
        Relay relay = new Relay(listener) {
            @Override
            ChatResponse onCompleting(ChatResponse response) {
                lease.release();
                return response;
            }

            @Override
            void onFailing(Throwable error) {
                lease.release();
            }

            @Override
            void onCancelled() {
                lease.release();
            }
        };
        try {
            relay.upstream(next.stream(call, relay));
        } catch (RuntimeException e) {
            relay.onError(e);
        }
        return relay;
    }
}
