#!/bin/sh
# Seed the shared model folder with the shipped model if it holds none yet, then start the app.
# Several replicas may start at once: each copies to a private name and renames it into place,
# so nobody ever reads half a file.
set -eu
model=${CNN_MODEL_PATH:-/models/mnist_convnet.keras}
folder=$(dirname "$model")
mkdir -p "$folder"
if [ ! -f "$model" ]; then
    cp assets/mnist_convnet.json "$folder/.seed-$$.json" && mv "$folder/.seed-$$.json" "${model%.keras}.json"
    cp assets/mnist_convnet.keras "$folder/.seed-$$.keras" && mv "$folder/.seed-$$.keras" "$model"
fi
exec "$@"
