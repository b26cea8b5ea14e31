package dev.aip.core.chat;

/**
 * One decorator of the pipeline. Stages are composed once, by {@link ChatPipeline.Builder#build()}, each holding the
 * next; see {@link ChatPipeline} for the order.
 */
interface ChatStage {

    ChatResponse call(Call call);

    /** Delivers every failure to the listener (and the returned stream), never throws. */
    ChatStream stream(Call call, ChatStreamListener listener);
}
