package dev.tffashion.filedrop.messaging;

import java.util.Map;

import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.CompressionType;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * The RocksDB settings of every store of the index ({@code rocksdb.config.setter}, set by {@link IndexStreams}), tuned for a store
 * that is mostly written at start (a fresh replica reads whole topics into it) and then read by id:
 * <ul>
 * <li><b>Memory off heap, bounded</b>: one block cache shared by all stores of the process, and the memtables counted against it
 * (a {@link WriteBufferManager} on the same cache, half of it), about {@value #CACHE_CONFIG} bytes (default 64 MiB) however many
 * values the stores hold. Index and filter blocks are kept beside the cache, by the open table files: a few bytes per stored
 * value (about 6 MiB per million values, measured), so that a lookup never waits for a filter block the cache dropped.</li>
 * <li><b>Bloom filters on every level</b>: the index reads each new value's id (and a prediction's image) before it writes, and
 * those reads miss; Kafka Streams' default leaves the filter out of the last level (optimize filters for hits), so every miss
 * went down to the last level's data blocks, slower the larger the store. Now the filters answer a miss from memory.</li>
 * <li><b>LZ4-compressed 16 KiB blocks</b>: the stored records are JSON and headers, several times smaller compressed, so the
 * store's disk and the compactions' writes are too (Kafka Streams' default is uncompressed 4 KiB blocks).</li>
 * <li><b>16 MiB memtables</b> (at most 3 per store): fewer, larger flushes while a fresh replica loads, so fewer compactions.
 * The write-ahead log is off, as Kafka Streams always has it: the stores are rebuilt from their topics.</li>
 * </ul>
 */
public final class BoundedRocksDb implements RocksDBConfigSetter {

    /** Streams setting (passed through to this class): the shared cache's size in bytes, memtables included. */
    public static final String CACHE_CONFIG = "tf-fashion.index.rocksdb.cache-bytes";
    static final long DEFAULT_CACHE_BYTES = 64L * 1024 * 1024;
    private static final long MEMTABLE_BYTES = 16L * 1024 * 1024;
    private static final int MEMTABLES = 3;
    private static final long BLOCK_BYTES = 16L * 1024;

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
        long bytes;
        try {
            bytes = configured == null ? DEFAULT_CACHE_BYTES : Long.parseLong(configured.toString().strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(CACHE_CONFIG + " is '" + configured + "', expected a number of bytes (e.g. "
                + DEFAULT_CACHE_BYTES + ")", e);
        }
        if (bytes < 4L * 1024 * 1024) {
            throw new IllegalArgumentException(CACHE_CONFIG + " is " + bytes + " bytes; give the index's RocksDB cache at least"
                + " 4 MiB (4194304), default " + DEFAULT_CACHE_BYTES);
        }
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(cache(bytes));
        table.setCacheIndexAndFilterBlocks(false);
        table.setBlockSize(BLOCK_BYTES);
        options.setTableFormatConfig(table);
        options.setOptimizeFiltersForHits(false);
        options.setCompressionType(CompressionType.LZ4_COMPRESSION);
        options.setWriteBufferManager(writeBuffers);
        options.setWriteBufferSize(Math.min(MEMTABLE_BYTES, bytes / 4));
        options.setMaxWriteBufferNumber(MEMTABLES);
    }

    @Override
    public void close(String storeName, Options options) {
        // The cache and the write buffer manager are shared by every store of the process, and outlive a restart of the index.
    }
}
