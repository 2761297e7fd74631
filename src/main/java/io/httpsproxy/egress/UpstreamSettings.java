package io.httpsproxy.egress;

import io.httpsproxy.config.ProxyConfig;

/** What an upstream call needs to know of the node's config. */
record UpstreamSettings(String node, long connectTimeoutMs, long maxBodyBytes) {
  static UpstreamSettings of(ProxyConfig config, String node) {
    return new UpstreamSettings(node, config.connectTimeout().toMillis(), config.maxBodyBytes());
  }
}
