package io.httpsproxy.protocol;

import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * A worker's answer: either the upstream's response or a {@link FailureCode}. Every request sent on
 * {@link Addresses#EGRESS} gets exactly one reply.
 *
 * @param status upstream status, or the failure's status
 * @param headers upstream end-to-end headers (empty on failure)
 * @param body upstream body (empty on failure)
 * @param failure null when the upstream answered
 * @param message failure detail for the client, null on success
 * @param queueMs time from acceptance to a worker's start (or to the rejection)
 * @param upstreamMs time spent on the upstream call, 0 when none was made
 * @param node id of the node whose worker handled it
 */
public record ProxyReply(
    int status,
    List<Header> headers,
    Buffer body,
    FailureCode failure,
    String message,
    long queueMs,
    long upstreamMs,
    String node) {

  public ProxyReply {
    headers = List.copyOf(headers);
    body = body == null ? Buffer.buffer() : body;
  }

  public static ProxyReply failed(
      FailureCode code, String message, long queueMs, long upstreamMs, String node) {
    return new ProxyReply(
        code.status(), List.of(), Buffer.buffer(), code, message, queueMs, upstreamMs, node);
  }

  public boolean isFailure() {
    return failure != null;
  }

  public ProxyException toException() {
    return new ProxyException(failure, message);
  }
}
