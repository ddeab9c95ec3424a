#!/bin/bash
# As Kafka's script of that name: lists the broker's API versions (the compose health check runs it).
exec java -Xmx128m -XX:TieredStopAtLevel=1 -Dlog4j2.configurationFile=/opt/kafka/config/log4j2.properties \
    -Dlog4j2.level=warn -cp "/opt/kafka/libs/*" org.apache.kafka.tools.BrokerApiVersionsCommand "$@"
