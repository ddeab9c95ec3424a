#!/usr/bin/env python3
"""Trains a Fashion-MNIST classifier with TensorFlow 2 and exports it as a SavedModel for tf-fashion.

Usage: python3 learn_script.py <output-dir>

Koalja's learn_script.py, redone for TensorFlow 2 and for tf-fashion's preprocessing contract:
pixels are scaled to [0,1] (light garment on dark, as Fashion-MNIST stores them), the model's
input is named `images` with shape (28, 28), its output `probabilities` (softmax over the ten
classes), and the SavedModel goes to <output-dir>/1 with the serving signature `serving_default`.
"""

import gzip
import os
import sys

import numpy as np
import tensorflow as tf

EPOCHS = int(os.environ.get("EPOCHS", "10"))
DATASET_FOLDERS = [os.environ.get("FASHION_MNIST_DIR", ""), "/usr/share/datasets/fashion-mnist"]


def read_idx(path, header):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=header)


def load_fashion_mnist():
    """The configured folder (FASHION_MNIST_DIR), the Debian package's folder, else Keras' own copy (~/.keras)."""
    for folder in filter(None, DATASET_FOLDERS):
        names = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
        paths = [os.path.join(folder, n + ".gz") if os.path.exists(os.path.join(folder, n + ".gz"))
                 else os.path.join(folder, n) for n in names]
        if all(os.path.exists(p) for p in paths):
            train_images = read_idx(paths[0], 16).reshape(-1, 28, 28)
            train_labels = read_idx(paths[1], 8)
            test_images = read_idx(paths[2], 16).reshape(-1, 28, 28)
            test_labels = read_idx(paths[3], 8)
            print(f"Fashion-MNIST from {folder}")
            return (train_images, train_labels), (test_images, test_labels)
    return tf.keras.datasets.fashion_mnist.load_data()


def build_model():
    images = tf.keras.Input(shape=(28, 28), name="images", dtype=tf.float32)
    x = tf.keras.layers.Flatten()(images)
    x = tf.keras.layers.Dense(256, activation="relu")(x)
    x = tf.keras.layers.Dropout(0.2)(x)
    probabilities = tf.keras.layers.Dense(10, activation="softmax", name="probabilities")(x)
    model = tf.keras.Model(inputs=images, outputs=probabilities)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def main(argv):
    if len(argv) != 2:
        print("usage: python3 learn_script.py <output-dir>", file=sys.stderr)
        return 2
    export_dir = os.path.join(argv[1], "1")

    (train_images, train_labels), (test_images, test_labels) = load_fashion_mnist()
    train_images = train_images.astype("float32") / 255.0
    test_images = test_images.astype("float32") / 255.0

    tf.keras.utils.set_random_seed(42)
    model = build_model()
    model.fit(train_images, train_labels, epochs=EPOCHS, batch_size=100, verbose=2)
    loss, accuracy = model.evaluate(test_images, test_labels, verbose=2)
    print(f"test accuracy: {accuracy:.4f}")

    @tf.function(input_signature=[tf.TensorSpec([None, 28, 28], tf.float32, name="images")])
    def serve(images):
        return {"probabilities": model(images, training=False)}

    tf.saved_model.save(model, export_dir, signatures={"serving_default": serve})
    # tf-fashion's learn task evaluates the exported model itself and writes assets.extra/ (evaluation, samples, contract).
    print(f"exported to {export_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
