#!/bin/bash
# Starts one Kafka node the way the apache/kafka image does: each KAFKA_FOO_BAR variable becomes the
# property foo.bar (___ stands for -, __ for _), the storage is formatted once with CLUSTER_ID, then
# kafka.Kafka runs in the foreground.
set -euo pipefail
CONFIG=/opt/kafka/config/server.properties
CP="/opt/kafka/libs/*"
LOGGING=(-Dlog4j2.configurationFile=/opt/kafka/config/log4j2.properties)
not_properties=" KAFKA_VERSION KAFKA_HEAP_OPTS KAFKA_LOG4J_OPTS KAFKA_OPTS KAFKA_JMX_OPTS KAFKA_JVM_PERFORMANCE_OPTS \
KAFKA_GC_LOG_OPTS KAFKA_LOG4J_ROOT_LOGLEVEL KAFKA_LOG4J_LOGGERS KAFKA_TOOLS_LOG4J_LOGLEVEL "

: > "$CONFIG"
while IFS='=' read -r name value; do
    case "$not_properties" in *" $name "*) continue ;; esac
    key="${name#KAFKA_}"
    key="${key,,}"
    key="${key//___/-}"
    key="${key//__/@}"
    key="${key//_/.}"
    key="${key//@/_}"
    printf '%s=%s\n' "$key" "$value" >> "$CONFIG"
done < <(env | grep '^KAFKA_' | sort)
grep -q '^log.dirs=' "$CONFIG" || echo "log.dirs=/var/lib/kafka/data" >> "$CONFIG"

java -Xmx256m "${LOGGING[@]}" -cp "$CP" kafka.tools.StorageTool format --config "$CONFIG" \
    --cluster-id "${CLUSTER_ID:-5L6g3nShT-eMCtK--X86sw}" --ignore-formatted
exec java ${KAFKA_HEAP_OPTS:--Xmx512m} ${KAFKA_OPTS:-} "${LOGGING[@]}" -cp "$CP" kafka.Kafka "$CONFIG"
