package io.httpsproxy.protocol;

/**
 * The one failure type of the proxy: it carries the {@link FailureCode} that decides the HTTP
 * status. It builds no stack trace, so rejections under overload stay cheap.
 */
public final class ProxyException extends RuntimeException {
  private final FailureCode code;
  private final long retryAfterSeconds;

  public ProxyException(FailureCode code, String message) {
    this(code, message, 0);
  }

  /** An answer that tells the client when to come back, when that is not the usual 1 s. */
  public ProxyException(FailureCode code, String message, long retryAfterSeconds) {
    super(message == null ? code.defaultMessage() : message, null, false, false);
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public ProxyException(FailureCode code) {
    this(code, null);
  }

  public FailureCode code() {
    return code;
  }

  /** Seconds for Retry-After on a retryable code; 0 = the usual 1. */
  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
