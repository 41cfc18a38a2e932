#!/usr/bin/env bash
# Issue 13 benchmark: the server as a child JVM under C chat clients + R dashboard readers for S
# seconds, then SIGKILL under load and a restart. Usage: bench/chat-load.sh [clients] [readers] [seconds]
# Profile the server: BENCH_JAVA_OPTS="-Dbench.serverJvm=-XX:StartFlightRecording -Dbench.jfrDump=/tmp/server.jfr"
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -DskipTests install
mvn -q -B -pl server dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt
exec java -Xmx512m ${BENCH_JAVA_OPTS:-} -cp "server/target/test-classes:server/target/classes:$(cat server/target/bench-classpath.txt)" \
  dev.chatlog.server.bench.ChatLoadBenchmark "$@"
