#!/bin/sh
# Seed the shared model folder with the shipped models (the convnet and the dense net it is
# compared with, each with its card and training snapshots) if it holds none yet, then start
# the app. Several replicas may start at once: each copies to a private name and renames it
# into place, so nobody ever reads half a file.
set -eu

seed() {  # seed SHIPPED_STEM TARGET_MODEL_PATH
    shipped=$1 model=$2
    folder=$(dirname "$model")
    stem=${model%.keras}
    mkdir -p "$folder"
    [ -f "$model" ] && return 0
    for extra in json snapshots.npz; do
        if [ -f "assets/$shipped.$extra" ]; then
            cp "assets/$shipped.$extra" "$folder/.seed-$$.$extra" && mv "$folder/.seed-$$.$extra" "$stem.$extra"
        fi
    done
    cp "assets/$shipped.keras" "$folder/.seed-$$.keras" && mv "$folder/.seed-$$.keras" "$model"
}

seed mnist_convnet "${CNN_MODEL_PATH:-/models/mnist_convnet.keras}"
seed mnist_mlp "${CNN_MLP_PATH:-/models/mnist_mlp.keras}"
exec "$@"
