package io.httpsproxy.protocol;

import java.util.List;

/**
 * A worker's answer to a request, before any body byte: either the upstream's response head or a
 * {@link FailureCode}. Every request gets exactly one; the response body (if any) follows it as a
 * stream.
 *
 * @param status upstream status, or the failure's status
 * @param headers upstream end-to-end headers (empty on failure)
 * @param failure null when the upstream answered
 * @param message failure detail for the client, null on success
 * @param queueMs time from acceptance to a worker's start (or to the rejection)
 * @param upstreamMs time from the worker's start to the response head (or the failure)
 * @param node the nodeName of the node whose worker handled it
 */
public record ProxyReply(
    int status,
    List<Header> headers,
    FailureCode failure,
    String message,
    long queueMs,
    long upstreamMs,
    String node) {

  public ProxyReply {
    headers = List.copyOf(headers);
  }

  public static ProxyReply failed(
      FailureCode code, String message, long queueMs, long upstreamMs, String node) {
    return new ProxyReply(code.status(), List.of(), code, message, queueMs, upstreamMs, node);
  }

  public static ProxyReply failed(ProxyException e, long queueMs, long upstreamMs, String node) {
    return failed(e.code(), e.getMessage(), queueMs, upstreamMs, node);
  }

  public boolean isFailure() {
    return failure != null;
  }

  public ProxyException toException() {
    return new ProxyException(failure, message);
  }
}
