#!/bin/sh
# Regenerates the ten sample pictures in this folder from the Fashion-MNIST test set
# (needs /usr/share/datasets/fashion-mnist, Debian package dataset-fashion-mnist, or -Dfashion-mnist.dir=...).
# The generator is test code of services/image-convert: SampleImages (what), ShopPhotos (how).
set -eu
cd "$(dirname "$0")/../.."
./mvnw -B -q -pl services/image-convert test -Dtest=SampleImagesGenerator -Dsamples.generate=true \
    -Dsurefire.failIfNoSpecifiedTests=false "$@"
