package io.httpsproxy.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.httpsproxy.protocol.FailureCode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class OutcomeClassTest {
  @ParameterizedTest
  @CsvSource({
    "DESTINATION_DENIED, REFUSED",
    "CLIENT_DENIED, REFUSED",
    "PROXY_AUTH_REQUIRED, REFUSED",
    "BAD_REQUEST, REFUSED",
    "RATE_LIMITED, REFUSED",
    "AUTH_LOCKED, REFUSED",
    "CLIENT_GONE, REFUSED",
    "UPSTREAM_REFUSED, UPSTREAM_FAILED",
    "UPSTREAM_TLS, UPSTREAM_FAILED",
    "UPSTREAM_DNS, UPSTREAM_FAILED",
    "UPSTREAM_RESET, UPSTREAM_FAILED",
    "NODE_LOST, UPSTREAM_FAILED",
    "UPSTREAM_TIMEOUT, TIMEOUT",
    "UPSTREAM_DNS_TIMEOUT, TIMEOUT",
    "QUEUE_TIMEOUT, TIMEOUT",
    "HEADER_TIMEOUT, TIMEOUT",
    "QUEUE_FULL, OVERLOAD",
    "CONNECTION_LIMIT, OVERLOAD",
    "MEMORY_PRESSURE, OVERLOAD",
    "AUTH_BUSY, OVERLOAD",
    "SHUTTING_DOWN, OVERLOAD",
    "INTERNAL, INTERNAL"
  })
  void policyRefusalsAndUpstreamFailuresAreApart(FailureCode code, OutcomeClass expected) {
    assertEquals(expected, OutcomeClass.of(code));
  }

  @ParameterizedTest
  @EnumSource(FailureCode.class)
  void everyCodeHasAClass(FailureCode code) {
    assertNotNull(OutcomeClass.of(code));
  }
}
