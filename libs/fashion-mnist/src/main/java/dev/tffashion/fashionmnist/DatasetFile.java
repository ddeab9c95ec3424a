package dev.tffashion.fashionmnist;

/** The four files of Fashion-MNIST, with the published MD5 of each file's uncompressed IDX content. */
public enum DatasetFile {
    TRAIN_IMAGES("train-images-idx3-ubyte", "f4a8712d7a061bf5bd6d2ca38dc4d50a"),
    TRAIN_LABELS("train-labels-idx1-ubyte", "9018921c3c673c538a1fc5bad174d6f9"),
    TEST_IMAGES("t10k-images-idx3-ubyte", "8181f5470baa50b63fa0f6fddb340f0a"),
    TEST_LABELS("t10k-labels-idx1-ubyte", "15d484375f8d13e6eb1aabb0c3f46965");

    private final String fileName;
    private final String canonicalMd5;

    DatasetFile(String fileName, String canonicalMd5) {
        this.fileName = fileName;
        this.canonicalMd5 = canonicalMd5;
    }

    /** The uncompressed file name, e.g. {@code train-images-idx3-ubyte}. */
    public String fileName() {
        return fileName;
    }

    /** The gzipped file name as the mirrors publish it, e.g. {@code train-images-idx3-ubyte.gz}. */
    public String gzFileName() {
        return fileName + ".gz";
    }

    /** The published MD5 (hex) of the uncompressed content. */
    public String canonicalMd5() {
        return canonicalMd5;
    }
}
