#!/usr/bin/env bash
# End-to-end check of deploy/compose.yaml on this machine, where no image registry is reachable:
#  1. starts Debian's docker engine (dockerd --iptables=false, data under deploy/.e2e/, its own socket);
#  2. makes a Debian bookworm base image with Java 17 by debootstrap + docker import;
#  3. builds the five service images with deploy/build-images.sh on that base, and two stand-ins:
#     Kafka 4.1.2 from its Maven Central jars for apache/kafka, and tf-fashion's Java model server for
#     tensorflow/serving (deploy/e2e/compose.e2e.yaml swaps only those two images);
#  4. docker-compose up, drops deploy/e2e/recipe.yaml, waits for the model, drops a Fashion-MNIST test
#     picture and checks that the prediction names its class;
#  5. tears everything down (compose down -v, then dockerd by its PID), also on failure or Ctrl-C.
#
# Run as root: deploy/compose-e2e.sh    Options (environment):
#   E2E_SKIP_MAVEN=1   the jars in services/*/target and libs/model-server/target are current
#   E2E_KEEP=1         leave the containers and dockerd running at the end (stop: deploy/compose-e2e.sh --down)
#   E2E_TIMEOUT=900    seconds to wait for the prediction
#   E2E_MAVEN_ARGS     extra arguments of the Maven build (e.g. -Dcheckstyle.skip while sibling work is unfinished)
#   E2E_WORK=DIR       the work folder (default deploy/.e2e): engine data, base root file system, logs
#   FILE_DROP_TOKEN    run file-drop with this drop token: a drop without it must get 401, the drops carry it
# The result goes to deploy/.e2e/result.txt; docs/deploy.md records the last one.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
WORK="${E2E_WORK:-$ROOT/deploy/.e2e}"
SOCK="$WORK/docker.sock"
export DOCKER_HOST="unix://$SOCK"
DOCKER=/usr/bin/docker
BASE=tf-fashion-e2e/debian-java:bookworm
PROJECT=tf-fashion-e2e
COMPOSE=(docker-compose -p "$PROJECT" -f deploy/compose.yaml -f deploy/e2e/compose.e2e.yaml)
SERVICES=(file-drop learn serve-manager image-convert predict)
STARTED=$(date +%s)

say() { printf '[e2e %4ds] %s\n' "$(($(date +%s) - STARTED))" "$*"; }
fail() { say "FAILED: $*"; echo "FAILED $(date -u +%FT%TZ): $*" > "$WORK/result.txt"; exit 1; }

dockerd_pid() { [ -f "$WORK/dockerd.pid" ] && cat "$WORK/dockerd.pid" || true; }

stop_dockerd() {
    local pid; pid="$(dockerd_pid)"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        say "stopping dockerd (pid $pid)"
        kill -TERM "$pid"
        local deadline=$((SECONDS + 60))
        while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.5; done
        if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fi
    fi
    # dockerd leaves its own network namespace bind-mounted under the exec root.
    if mountpoint -q "$WORK/exec/netns/default" 2>/dev/null; then umount "$WORK/exec/netns/default" || true; fi
}

down() {
    if [ -S "$SOCK" ] && [ -n "$(dockerd_pid)" ]; then
        say "docker-compose down"
        "${COMPOSE[@]}" logs --no-color > "$WORK/compose.log" 2>&1 || true
        "${COMPOSE[@]}" down -v -t 20 > "$WORK/down.log" 2>&1 || true
    fi
    stop_dockerd
}

cleanup() {
    local rc=$?
    if [ "${E2E_KEEP:-0}" = 1 ]; then
        say "E2E_KEEP=1: left running (DOCKER_HOST=$DOCKER_HOST; stop with deploy/compose-e2e.sh --down)"
    else
        down
    fi
    exit $rc
}

if [ "${1:-}" = "--down" ]; then down; exit 0; fi
[ "$(id -u)" = 0 ] || fail "run as root: dockerd and debootstrap need it"
mkdir -p "$WORK"

install_tools() {
    local missing=()
    command -v dockerd > /dev/null || missing+=(docker.io)
    command -v docker-compose > /dev/null || missing+=(docker-compose)
    command -v debootstrap > /dev/null || missing+=(debootstrap)
    [ -f /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ] || missing+=(dataset-fashion-mnist)
    if [ ${#missing[@]} -gt 0 ]; then
        say "installing ${missing[*]}"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" > "$WORK/apt.log"
    fi
}

start_dockerd() {
    if [ -n "$(dockerd_pid)" ] && kill -0 "$(dockerd_pid)" 2>/dev/null; then
        say "dockerd already running (pid $(dockerd_pid))"
        return
    fi
    say "starting dockerd (data in $WORK/docker)"
    mkdir -p "$WORK/docker" "$WORK/exec"
    dockerd --iptables=false --ip-masq=false --data-root "$WORK/docker" --exec-root "$WORK/exec" \
        --pidfile "$WORK/dockerd.pid" -H "$DOCKER_HOST" > "$WORK/dockerd.log" 2>&1 &
    local deadline=$((SECONDS + 60))
    until "$DOCKER" info > /dev/null 2>&1; do
        [ $SECONDS -lt $deadline ] || fail "dockerd did not answer within 60 s; see $WORK/dockerd.log"
        sleep 0.5
    done
}

base_image() {
    if "$DOCKER" image inspect "$BASE" > /dev/null 2>&1; then return; fi
    if [ ! -x "$WORK/rootfs-java/usr/bin/java" ]; then
        say "debootstrap: Debian bookworm with openjdk-17-jre-headless (a few minutes)"
        rm -rf "$WORK/rootfs-java"
        debootstrap --variant=minbase --include=openjdk-17-jre-headless,ca-certificates bookworm \
            "$WORK/rootfs-java" http://deb.debian.org/debian > "$WORK/debootstrap.log" 2>&1 \
            || fail "debootstrap failed; see $WORK/debootstrap.log"
        rm -rf "$WORK/rootfs-java/var/cache/apt/archives/"*.deb
    fi
    say "docker import $BASE"
    tar -C "$WORK/rootfs-java" -c . | "$DOCKER" import -c 'ENV LANG=C.UTF-8' - "$BASE" > /dev/null
}

maven_build() {
    if [ "${E2E_SKIP_MAVEN:-0}" = 1 ]; then return; fi
    say "maven: the five services and the model server"
    local modules; modules="$(printf 'services/%s,' "${SERVICES[@]}")libs/model-server"
    # shellcheck disable=SC2086
    ./mvnw -B -q -pl "$modules" -am package -Dmaven.test.skip=true ${E2E_MAVEN_ARGS:-} > "$WORK/maven.log" 2>&1 || fail "maven build failed; see $WORK/maven.log"
}

stand_in_images() {
    local ctx="$WORK/ctx-kafka"
    rm -rf "$ctx" && mkdir -p "$ctx"
    say "kafka stand-in: Apache Kafka jars from Maven Central"
    ./mvnw -B -q -f deploy/e2e/kafka/pom.xml dependency:copy-dependencies -DincludeScope=runtime \
        -DoutputDirectory="$ctx/libs" > "$WORK/kafka-jars.log" 2>&1 || fail "fetching the Kafka jars failed; see $WORK/kafka-jars.log"
    cp deploy/e2e/kafka/{Dockerfile,kafka-run.sh,kafka-broker-api-versions.sh,log4j2.properties} "$ctx/"
    "$DOCKER" build -q --network host --build-arg "BASE_IMAGE=$BASE" -t tf-fashion-e2e/kafka:4.1.2 "$ctx" > /dev/null

    say "tf-serving stand-in: the Java model server"
    ctx="$WORK/ctx-model-server"
    rm -rf "$ctx" && mkdir -p "$ctx"
    local jar; jar="$(cd libs/model-server/target && ls model-server-*.jar | grep -v -- '-sources\|-tests' | head -1)"
    [ -n "$jar" ] || fail "libs/model-server/target/model-server-*.jar is missing: build it (drop E2E_SKIP_MAVEN)"
    cp -r libs/model-server/target/lib "$ctx/lib"
    cp "libs/model-server/target/$jar" deploy/e2e/model-server/{Dockerfile,tf_serving_entrypoint.sh} "$ctx/"
    "$DOCKER" build -q --network host --build-arg "BASE_IMAGE=$BASE" --build-arg "MODEL_SERVER_JAR=$jar" \
        -t "tf-fashion-e2e/model-server:$VERSION" "$ctx" > /dev/null
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

http_code() { curl -s -o /dev/null -w '%{http_code}' -m 5 "$1" || true; }

wait_until() { # seconds description command...
    local seconds="$1" what="$2"; shift 2
    local deadline=$((SECONDS + seconds))
    until "$@"; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 2
    done
    say "$what"
}

not_healthy() { # prints "service:state" for each container that is not healthy yet
    local service id state
    for service in kafka "${SERVICES[@]}"; do
        id="$("${COMPOSE[@]}" ps -q "$service")"
        state=missing
        [ -z "$id" ] || state="$("$DOCKER" inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$id")"
        [ "$state" = healthy ] || printf '%s:%s ' "$service" "$state"
    done
}

all_healthy() { [ -z "$(not_healthy)" ]; }

prediction_ready() {
    local body
    body="$(curl -s -m 5 "http://127.0.0.1:$TF_FASHION_HTTP_PORT/v1/predictions/$IMAGE_ID" || true)"
    echo "$body" > "$WORK/prediction.json"
    case "$body" in *'"failed"'*) fail "the image was refused: $body" ;; esac
    grep -q '"label"' "$WORK/prediction.json"
}

trap cleanup EXIT
trap 'exit 130' INT TERM
install_tools
VERSION="$(sed -n 's/^TF_FASHION_VERSION=//p' deploy/.env)"
export TF_FASHION_VERSION="$VERSION"
start_dockerd
base_image
maven_build
stand_in_images
say "service images tf-fashion/<service>:$VERSION on $BASE"
DOCKER="$DOCKER" BASE_IMAGE="$BASE" DATASET_IMAGE="$BASE" DOCKER_BUILD_FLAGS="-q --network host" \
    deploy/build-images.sh --no-maven > "$WORK/build-images.log" 2>&1 || fail "image build failed; see $WORK/build-images.log"

TF_FASHION_HTTP_PORT="$(free_port)"
TF_FASHION_KAFKA_PORT="$(free_port)"
TF_FASHION_GRPC_PORT="$(free_port)"
TF_FASHION_REST_PORT="$(free_port)"
export TF_FASHION_HTTP_PORT TF_FASHION_KAFKA_PORT TF_FASHION_GRPC_PORT TF_FASHION_REST_PORT
say "docker-compose up (file drop on http://127.0.0.1:$TF_FASHION_HTTP_PORT)"
"${COMPOSE[@]}" up -d > "$WORK/up.log" 2>&1 || fail "docker-compose up failed; see $WORK/up.log"
wait_until 300 "every container is healthy" all_healthy \
    || { "${COMPOSE[@]}" ps; fail "not healthy within 300 s: $(not_healthy)- logs in $WORK/compose.log"; }

AUTH=()
if [ -n "${FILE_DROP_TOKEN:-}" ]; then
    AUTH=(-H "Authorization: Bearer $FILE_DROP_TOKEN")
    code="$(curl -s -o /dev/null -w '%{http_code}' -m 30 --data-binary @deploy/e2e/recipe.yaml \
        "http://127.0.0.1:$TF_FASHION_HTTP_PORT/scriptInput")"
    [ "$code" = 401 ] || fail "FILE_DROP_TOKEN is set, yet a drop without it answered $code, not 401"
    say "FILE_DROP_TOKEN is set: a drop without it is refused (401), drops below carry it"
fi
RECIPE_ID="$(curl -sf -m 30 "${AUTH[@]}" --data-binary @deploy/e2e/recipe.yaml "http://127.0.0.1:$TF_FASHION_HTTP_PORT/scriptInput")" \
    || fail "POST /scriptInput failed"
say "dropped the recipe: $RECIPE_ID"
LABEL="$(java deploy/e2e/FashionMnistPicture.java /usr/share/datasets/fashion-mnist 0 "$WORK/picture.png")"
IMAGE_ID="$(curl -sf -m 30 "${AUTH[@]}" --data-binary @"$WORK/picture.png" "http://127.0.0.1:$TF_FASHION_HTTP_PORT/imageInput" \
    | sed -n 's/.*"id" *: *"\([^"]*\)".*/\1/p')"
[ -n "$IMAGE_ID" ] || fail "POST /imageInput gave no id"
say "dropped Fashion-MNIST test picture 0 (label $LABEL): $IMAGE_ID"
wait_until "${E2E_TIMEOUT:-900}" "the prediction is in" prediction_ready \
    || fail "no prediction within ${E2E_TIMEOUT:-900} s: $(cat "$WORK/prediction.json")"
PREDICTED="$(grep -o '"label" *: *"\?[0-9]*' "$WORK/prediction.json" | head -1 | grep -o '[0-9]*$')"
say "prediction: label $PREDICTED, $(grep -o '"className" *: *"[^"]*"' "$WORK/prediction.json" | head -1), \
$(grep -o '"score" *: *"\?[0-9.]*' "$WORK/prediction.json" | head -1 | tr -d '"')"
[ "$PREDICTED" = "$LABEL" ] || fail "predicted label $PREDICTED, expected $LABEL: $(cat "$WORK/prediction.json")"
REST="$(curl -s -m 5 "http://127.0.0.1:$TF_FASHION_REST_PORT/v1/models/fashion" | tr -d '\n ' | head -c 300)"
say "TF Serving REST (stand-in): $REST"
echo "PASSED $(date -u +%FT%TZ) in $(($(date +%s) - STARTED)) s: label $LABEL predicted as $PREDICTED" > "$WORK/result.txt"
say "PASSED: the pipeline under compose trained a model and predicted label $PREDICTED for a label-$LABEL picture"
