package io.httpsproxy.protocol;

/** The four ways a forwarded request can end; every answered request has exactly one. */
public enum Outcome {
  /** The upstream answered (with any status). */
  SUCCESS,
  /** The request was bad, or the upstream call failed. */
  ERROR,
  /** The queue wait or the upstream call ran out of time. */
  TIMEOUT,
  /** Refused to protect the node: queue full, draining. */
  REJECTED
}
