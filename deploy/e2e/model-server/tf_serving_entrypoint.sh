#!/bin/sh
# As tensorflow/serving's entry point: serve MODEL_BASE_PATH/MODEL_NAME on gRPC 8500 and REST 8501; arguments are extra flags.
exec java $JAVA_OPTS -jar /opt/model-server/model-server.jar --port=8500 --rest_api_port=8501 \
    --model_name="${MODEL_NAME}" --model_base_path="${MODEL_BASE_PATH}/${MODEL_NAME}" "$@"
