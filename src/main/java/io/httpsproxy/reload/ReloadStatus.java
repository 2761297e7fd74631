package io.httpsproxy.reload;

import io.httpsproxy.protocol.FailureCode;
import java.util.Locale;

/** How a reload ended on one node. */
public enum ReloadStatus {
  APPLIED(null),
  UNCHANGED(null),
  INVALID(FailureCode.RELOAD_INVALID),
  NEEDS_RESTART(FailureCode.RELOAD_NEEDS_RESTART),
  NO_ANSWER(FailureCode.RELOAD_NO_ANSWER);

  private final FailureCode failure;

  ReloadStatus(FailureCode failure) {
    this.failure = failure;
  }

  /** Null when the reload succeeded (applied, or nothing to apply). */
  public FailureCode failure() {
    return failure;
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public static ReloadStatus ofLabel(String label) {
    for (ReloadStatus s : values()) {
      if (s.label().equals(label)) {
        return s;
      }
    }
    return NO_ANSWER;
  }
}
