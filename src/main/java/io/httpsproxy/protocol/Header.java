package io.httpsproxy.protocol;

/** One header line; order and repetition are kept (Set-Cookie must never be merged). */
public record Header(String name, String value) {}
