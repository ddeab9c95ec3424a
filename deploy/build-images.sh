#!/usr/bin/env bash
# Builds the five service images, tagged with the Maven project version: tf-fashion/<service>:<version>.
#
#   deploy/build-images.sh                    # ./mvnw package, then docker build for each service
#   deploy/build-images.sh --no-maven         # the fast-jars in services/*/target/quarkus-app are current
#
# Environment: DOCKER (the docker command, default docker), BASE_IMAGE (a Java 17+ runtime image with
# bash; default in each Dockerfile: eclipse-temurin:17-jre), DATASET_IMAGE (a Debian image for the
# learn image's dataset-fashion-mnist; default debian:bookworm-slim), DOCKER_BUILD_FLAGS (e.g. --network host).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SERVICES=(file-drop learn serve-manager image-convert predict)
DOCKER="${DOCKER:-docker}"
maven=1
for arg in "$@"; do
    case "$arg" in
        --no-maven) maven=0 ;;
        -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "build-images: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
    esac
done

VERSION="$(sed -n 's/^TF_FASHION_VERSION=//p' deploy/.env)"
POM_VERSION="$(./mvnw -q -B -N help:evaluate -Dexpression=project.version -DforceStdout)"
if [ "$VERSION" != "$POM_VERSION" ]; then
    echo "build-images: deploy/.env says $VERSION but the project version is $POM_VERSION: run deploy/sync-version.sh" >&2
    exit 1
fi

if [ "$maven" = 1 ]; then
    modules="$(printf 'services/%s,' "${SERVICES[@]}")"
    ./mvnw -B -pl "${modules%,}" -am package -Dmaven.test.skip=true
fi

args=()
[ -n "${BASE_IMAGE:-}" ] && args+=(--build-arg "BASE_IMAGE=$BASE_IMAGE")
[ -n "${DATASET_IMAGE:-}" ] && args+=(--build-arg "DATASET_IMAGE=$DATASET_IMAGE")
for service in "${SERVICES[@]}"; do
    dir="services/$service"
    if [ ! -f "$dir/target/quarkus-app/quarkus-run.jar" ]; then
        echo "build-images: $dir/target/quarkus-app/quarkus-run.jar is missing: build it (drop --no-maven)" >&2
        exit 1
    fi
    echo "== tf-fashion/$service:$VERSION"
    # shellcheck disable=SC2086
    "$DOCKER" build ${DOCKER_BUILD_FLAGS:-} "${args[@]}" --label "org.opencontainers.image.version=$VERSION" \
        -f "$dir/src/main/docker/Dockerfile.jvm" -t "tf-fashion/$service:$VERSION" "$dir"
done
echo "built: $(printf 'tf-fashion/%s:'"$VERSION"' ' "${SERVICES[@]}")"
