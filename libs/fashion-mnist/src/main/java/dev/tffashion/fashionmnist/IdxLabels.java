package dev.tffashion.fashionmnist;

/** The content of an IDX label file (magic 0x00000801): one unsigned byte per example. */
public record IdxLabels(int count, byte[] labels) {
}
