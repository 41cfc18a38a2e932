#!/usr/bin/env bash
# Issue 6 benchmark: 1M calls through the logger, every statistics route timed, full CSV export,
# all in a JVM limited to 256 MB of heap. Usage: bench/million-calls.sh [calls]
# Keep the filled database for re-runs: BENCH_JAVA_OPTS="-Dbench.dataDir=/tmp/bench-db [-Dbench.skipExport=true]"
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -DskipTests install
mvn -q -B -pl server dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt
exec java -Xmx256m ${BENCH_JAVA_OPTS:-} -cp "server/target/test-classes:server/target/classes:$(cat server/target/bench-classpath.txt)" \
  dev.chatlog.server.bench.MillionCallsBenchmark "$@"
