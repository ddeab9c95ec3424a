package dev.tffashion.filedrop.messaging;

import java.util.Map;

import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * Bounds the memory of every store of the index (off heap, in RocksDB): one block cache shared by all stores of the process, and
 * the memtables counted against it (a {@link WriteBufferManager} on the same cache), so that the stores together use about
 * {@value #CACHE_CONFIG} bytes (default 32 MiB) however many values they hold; index and filter blocks live in that cache too.
 * The rest is disk. Set by {@link IndexStreams} as {@code rocksdb.config.setter}.
 */
public final class BoundedRocksDb implements RocksDBConfigSetter {

    /** Streams setting (passed through to this class): the shared cache's size in bytes, memtables included. */
    public static final String CACHE_CONFIG = "tf-fashion.index.rocksdb.cache-bytes";
    static final long DEFAULT_CACHE_BYTES = 32L * 1024 * 1024;
    private static final long MEMTABLE_BYTES = 8L * 1024 * 1024;

    /** Created once for the process (on the first store's configuration, after Kafka Streams loaded RocksDB). */
    private static Cache cache;
    private static WriteBufferManager writeBuffers;

    private static synchronized Cache cache(long bytes) {
        if (cache == null) {
            cache = new LRUCache(bytes, -1, false, 0.1);
            writeBuffers = new WriteBufferManager(bytes / 2, cache);
        }
        return cache;
    }

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        Object configured = configs.get(CACHE_CONFIG);
        long bytes = configured == null ? DEFAULT_CACHE_BYTES : Long.parseLong(configured.toString());
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(cache(bytes));
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setTableFormatConfig(table);
        options.setWriteBufferManager(writeBuffers);
        options.setWriteBufferSize(Math.min(MEMTABLE_BYTES, bytes / 4));
        options.setMaxWriteBufferNumber(2);
    }

    @Override
    public void close(String storeName, Options options) {
        // The cache and the write buffer manager are shared by every store of the process, and outlive a restart of the index.
    }
}
