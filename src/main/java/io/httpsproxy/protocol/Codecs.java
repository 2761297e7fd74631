package io.httpsproxy.protocol;

import io.vertx.core.Vertx;

/** Registers the message codecs; every node must do this before it sends or consumes. */
public final class Codecs {
  private Codecs() {}

  public static void register(Vertx vertx) {
    vertx.eventBus().registerDefaultCodec(ProxyRequest.class, new ProxyRequestCodec());
    vertx.eventBus().registerDefaultCodec(ProxyReply.class, new ProxyReplyCodec());
    vertx.eventBus().registerDefaultCodec(StreamFrame.class, new StreamFrameCodec());
    vertx.eventBus().registerDefaultCodec(LocalCall.class, new LocalCallCodec());
  }
}
