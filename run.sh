#!/usr/bin/env bash
# Builds chatlog (tests skipped) and starts the server. With no CHATLOG_DB_URL it starts an embedded
# MariaDB with its data under ./data; with no OPENAI_API_KEY it answers with the offline demo model.
# Flags: --port=8080 --host=127.0.0.1 --data-dir=data (or the CHATLOG_* variables in README.md).
set -euo pipefail
cd "$(dirname "$0")"
mvn -q -B -DskipTests -DskipJar install
exec java -cp "server/target/classes:$(cat server/target/classpath.txt)" dev.chatlog.server.Main "$@"
