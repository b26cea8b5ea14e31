package dev.aip.core.bedrock;

import java.nio.ByteBuffer;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * Wraps a response body publisher to watch its bytes on their way to the SDK, unchanged: each buffer is shown to
 * the {@link Observer} (as a read-only duplicate) before it is passed on, and the end of the body (complete, error,
 * or a cancel from downstream) is reported first too, so that the attempt is settled before the caller hears of the
 * end.
 */
final class StreamTap implements Publisher<ByteBuffer> {

    /** What the tap reports; implementations must not throw. */
    interface Observer {
        void bytes(ByteBuffer buffer);

        void completed();

        void failed(Throwable error);

        void cancelled();
    }

    private final Publisher<ByteBuffer> source;
    private final Observer observer;

    StreamTap(Publisher<ByteBuffer> source, Observer observer) {
        this.source = source;
        this.observer = observer;
    }

    @Override
    public void subscribe(Subscriber<? super ByteBuffer> downstream) {
        source.subscribe(new Subscriber<ByteBuffer>() {
            @Override
            public void onSubscribe(Subscription s) {
                downstream.onSubscribe(new Subscription() {
                    @Override
                    public void request(long n) {
                        s.request(n);
                    }

                    @Override
                    public void cancel() {
                        observer.cancelled();
                        s.cancel();
                    }
                });
            }

            @Override
            public void onNext(ByteBuffer buffer) {
                observer.bytes(buffer.asReadOnlyBuffer());
                downstream.onNext(buffer);
            }

            @Override
            public void onError(Throwable t) {
                observer.failed(t);
                downstream.onError(t);
            }

            @Override
            public void onComplete() {
                observer.completed();
                downstream.onComplete();
            }
        });
    }
}
