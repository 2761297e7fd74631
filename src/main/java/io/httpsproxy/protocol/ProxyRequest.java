package io.httpsproxy.protocol;

import io.httpsproxy.security.Target;
import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * A request travelling from an ingress to a worker over the event bus.
 *
 * @param id request id, carried end to end
 * @param method HTTP method token
 * @param target where it goes, parsed and canonicalised once by the ingress; on the wire it travels
 *     as its URL and is parsed again by the receiving node
 * @param headers end-to-end headers to send upstream (hop-by-hop already removed)
 * @param body request body, empty when there is none
 * @param acceptedAtMs wall-clock time the ingress accepted it
 * @param queueDeadlineMs wall-clock time after which no worker may start it
 * @param requestTimeoutMs budget for the upstream call, counted from the worker's start
 */
public record ProxyRequest(
    String id,
    String method,
    Target target,
    List<Header> headers,
    Buffer body,
    long acceptedAtMs,
    long queueDeadlineMs,
    long requestTimeoutMs) {

  public ProxyRequest {
    headers = List.copyOf(headers);
    body = body == null ? Buffer.buffer() : body;
  }

  /** The absolute URL of {@link #target}: normalised scheme and host, explicit port. */
  public String url() {
    return target.toUrl();
  }
}
