package io.httpsproxy.protocol;

import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * A request travelling from an ingress to a worker over the event bus.
 *
 * @param id request id, carried end to end
 * @param method HTTP method token
 * @param url absolute http(s) URL of the target
 * @param headers end-to-end headers to send upstream (hop-by-hop already removed)
 * @param body request body, empty when there is none
 * @param acceptedAtMs wall-clock time the ingress accepted it
 * @param queueDeadlineMs wall-clock time after which no worker may start it
 * @param requestTimeoutMs budget for the upstream call, counted from the worker's start
 */
public record ProxyRequest(
    String id,
    String method,
    String url,
    List<Header> headers,
    Buffer body,
    long acceptedAtMs,
    long queueDeadlineMs,
    long requestTimeoutMs) {

  public ProxyRequest {
    headers = List.copyOf(headers);
    body = body == null ? Buffer.buffer() : body;
  }
}
