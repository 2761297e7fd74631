package io.httpsproxy.protocol;

/**
 * A request handed to a worker of the same node: the head, and the client side itself, so the
 * worker pipes the body straight between the client connection and the upstream connection on the
 * event loop that received it. Never leaves the node ({@link LocalCallCodec} refuses the wire).
 */
public record LocalCall(ProxyRequest request, Downstream downstream) {}
