package dev.tffashion.filedrop.config;

import java.util.Optional;

import io.smallrye.config.ConfigMapping;

/** Settings of file-drop's index ({@code messaging/ValueIndex}), under {@code tf-fashion.file-drop.*}. */
@ConfigMapping(prefix = "tf-fashion.file-drop")
public interface IndexConfig {

    /**
     * The folder of the index's Kafka Streams state stores (RocksDB) and their checkpoint ({@code TF_FASHION_FILE_DROP_STATE_DIR}).
     * One per replica: RocksDB locks it. Unset: {@code <java.io.tmpdir>/tf-fashion/<pipeline>/file-drop-index-<instance>}, the
     * instance being {@code tf-fashion.instance} ({@code TF_FASHION_INSTANCE}, else the host name).
     */
    Optional<String> stateDir();
}
