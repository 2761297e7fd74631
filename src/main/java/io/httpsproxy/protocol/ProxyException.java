package io.httpsproxy.protocol;

/**
 * The one failure type of the proxy: it carries the {@link FailureCode} that decides the HTTP
 * status. It builds no stack trace, so rejections under overload stay cheap.
 */
public final class ProxyException extends RuntimeException {
  private final FailureCode code;

  public ProxyException(FailureCode code, String message) {
    super(message == null ? code.defaultMessage() : message, null, false, false);
    this.code = code;
  }

  public ProxyException(FailureCode code) {
    this(code, null);
  }

  public FailureCode code() {
    return code;
  }
}
