# Multi-stage build: Maven builds the fat jar, a Java 17 runtime image runs it as a non-root user.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -q -B dependency:go-offline
COPY src src
COPY conf conf
RUN mvn -q -B package -DskipTests

FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin https-proxy
WORKDIR /opt/https-proxy
COPY --from=build /src/target/https-proxy.jar /opt/https-proxy/https-proxy.jar
COPY conf/proxy.json conf/cluster.xml /opt/https-proxy/conf/
USER https-proxy
# 8888: proxy; 8889: admin (/stats, /metrics, /health, /ready, /dashboard; it binds 127.0.0.1
# unless PROXY_ADMIN_HOST says otherwise); 5701: Hazelcast; 5702: event bus (PROXY_EVENT_BUS_PORT).
EXPOSE 8888 8889 5701 5702
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/opt/https-proxy/https-proxy.jar"]
