package io.httpsproxy.egress;

import io.httpsproxy.config.ProxyConfig;

/** What an upstream exchange needs to know of the node's config, read once when it starts. */
record UpstreamSettings(String node, long connectTimeoutMs, long writeIdleTimeoutMs) {
  static UpstreamSettings of(ProxyConfig config, String node) {
    return new UpstreamSettings(
        node, config.connectTimeout().toMillis(), config.writeIdleTimeout().toMillis());
  }
}
