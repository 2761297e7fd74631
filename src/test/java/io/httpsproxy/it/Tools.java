package io.httpsproxy.it;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/** External programs some ITs need (Debian packages that .ci/run installs). */
final class Tools {
  private Tools() {}

  /**
   * On CI (where .ci/run installs the package) a missing tool fails the test, so nothing is skipped
   * to get green; on a developer machine without it the test is skipped with a reason.
   */
  static void require(boolean present, String what) {
    if (System.getenv("CI") != null) {
      Assertions.assertTrue(present, what + " (CI installs it in .ci/run)");
    } else {
      Assumptions.assumeTrue(present, what);
    }
  }
}
