#!/bin/sh
# Regenerates the ten sample pictures in this folder from the Fashion-MNIST test set
# (needs /usr/share/datasets/fashion-mnist, Debian package dataset-fashion-mnist, or -Dfashion-mnist.dir=...).
# The generator is test code of libs/imaging: SampleImages (what), ShopPhotos (how).
set -eu
cd "$(dirname "$0")/../.."
./mvnw -B -q -pl libs/imaging test -Dtest=SampleImagesGenerator -Dsamples.generate=true \
    -Dsurefire.failIfNoSpecifiedTests=false "$@"
