#!/usr/bin/env bash
# Writes the Maven project version (the one place a version is edited: the root pom.xml, e.g. with
# ./mvnw versions:set -DnewVersion=...) into every image tag of deploy/: deploy/.env (compose),
# deploy/k8s/kustomization.yaml (images:) and deploy/helm/tf-fashion/Chart.yaml (version, appVersion).
# tests/deploy fails while they differ from the pom. Usage: deploy/sync-version.sh [VERSION]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VERSION="${1:-$(./mvnw -q -B -N help:evaluate -Dexpression=project.version -DforceStdout)}"
if ! [[ "$VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
    echo "sync-version: '$VERSION' is not a version like 1.2.3 or 1.2.3-SNAPSHOT (a Helm chart needs SemVer)" >&2
    exit 1
fi
sed -i -E "s/^TF_FASHION_VERSION=.*/TF_FASHION_VERSION=$VERSION/" deploy/.env
sed -i -E "/^images:/,/^[^ -]/ s/^(    newTag: ).*/\1$VERSION/" deploy/k8s/kustomization.yaml
sed -i -E "s/^version: .*/version: $VERSION/; s/^appVersion: .*/appVersion: \"$VERSION\"/" deploy/helm/tf-fashion/Chart.yaml
echo "deploy/: image tags set to $VERSION"
