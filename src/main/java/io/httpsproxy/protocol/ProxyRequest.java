package io.httpsproxy.protocol;

import io.httpsproxy.security.Target;
import java.util.List;

/**
 * A request travelling from an ingress to a worker over the event bus: the request head and its
 * deadlines, never its body. The body streams after the worker starts: on the same node straight
 * from the client connection ({@link LocalCall}), across nodes as {@link StreamFrame}s under
 * credit-based flow control.
 *
 * @param id request id, carried end to end
 * @param method HTTP method token
 * @param target where it goes, parsed and canonicalised once by the ingress; on the wire it travels
 *     as its URL and is parsed again by the receiving node
 * @param headers end-to-end headers to send upstream (hop-by-hop already removed)
 * @param bodyLength {@link #NO_BODY}, {@link #UNKNOWN_LENGTH} (chunked), or the Content-Length
 * @param acceptedAtMs wall-clock time the ingress accepted it
 * @param queueDeadlineMs wall-clock time after which no worker may start it
 * @param requestTimeoutMs budget for the upstream call up to its response head
 * @param maxResponseBytes largest response body the client side accepts; 0 = no limit
 * @param stream the key of this exchange's frames across nodes; null on the local path
 * @param origin the node whose ingress holds the client (frames go back there); null locally
 * @param responseCredits response chunks the worker may send before the ingress grants more
 */
public record ProxyRequest(
    String id,
    String method,
    Target target,
    List<Header> headers,
    long bodyLength,
    long acceptedAtMs,
    long queueDeadlineMs,
    long requestTimeoutMs,
    long maxResponseBytes,
    String stream,
    String origin,
    int responseCredits) {

  /** No body follows the head. */
  public static final long NO_BODY = -1;

  /** A body follows whose length is not known in advance (chunked). */
  public static final long UNKNOWN_LENGTH = -2;

  public ProxyRequest {
    headers = List.copyOf(headers);
  }

  public boolean hasBody() {
    return bodyLength != NO_BODY;
  }

  /** The absolute URL of {@link #target}: normalised scheme and host, explicit port. */
  public String url() {
    return target.toUrl();
  }
}
