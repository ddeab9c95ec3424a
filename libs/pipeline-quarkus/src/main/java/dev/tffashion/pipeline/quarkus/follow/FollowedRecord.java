package dev.tffashion.pipeline.quarkus.follow;

import org.apache.kafka.common.header.Headers;

/**
 * One record a {@link TopicFollower} hands to its apply function: where it was read, its key, headers, raw value and
 * timestamp. Pipeline values are read from it with {@code ValueRecords.decode(record.headers(), record.value())}.
 */
public record FollowedRecord(String topic, int partition, long offset, long timestamp, String key, Headers headers,
        byte[] value) {

    /** Where the record was read, for log lines: {@code topic-partition@offset}. */
    public String where() {
        return topic + "-" + partition + "@" + offset;
    }
}
