package io.httpsproxy.egress;

import java.security.cert.CertificateException;

/**
 * An upstream chain below the {@link ChainStrength} floor. Its own type, so that the reason reaches
 * the client's message whichever TLS engine wrapped it (BoringSSL reports a generic verify error
 * and keeps this as a cause).
 */
final class WeakChainException extends CertificateException {
  WeakChainException(String reason, Throwable cause) {
    super(reason, cause);
  }
}
