package dev.tffashion.filedrop.messaging;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.kafka.ValueEnvelope;
import dev.tffashion.pipeline.quarkus.follow.FollowedRecord;

/**
 * What the index keeps of one value: its envelope (id, type, task, lineage: read from the record's headers, never from its
 * payload), where its record is on Kafka, and for a while the value's bytes, so that the whole value is decoded only when
 * someone asks for it. A value the drop path added before Kafka handed it back is kept whole until then. Thread-safe.
 */
final class IndexedValue {

    private final ValueEnvelope envelope;
    private volatile String topic;
    private volatile int partition;
    private volatile long offset = -1;
    /** The record, while it is among the most recent ones the index keeps in memory. */
    private volatile FollowedRecord record;
    /** The whole value, added by the drop path before its record was read back. */
    private volatile AnnotatedValue value;

    private IndexedValue(ValueEnvelope envelope) {
        this.envelope = envelope;
    }

    /** A value read from Kafka: its envelope and its record. */
    static IndexedValue read(ValueEnvelope envelope, FollowedRecord record) {
        IndexedValue indexed = new IndexedValue(envelope);
        indexed.readBack(record);
        return indexed;
    }

    /** A value in hand (the drop path), before Kafka handed its record back. */
    static IndexedValue added(AnnotatedValue value) {
        IndexedValue indexed = new IndexedValue(ValueEnvelope.of(value));
        indexed.value = value;
        return indexed;
    }

    ValueEnvelope envelope() {
        return envelope;
    }

    String id() {
        return envelope.id();
    }

    /** Where its record is now known: the whole value in hand is let go, the record kept (until {@link #forgetRecord}). */
    void readBack(FollowedRecord read) {
        topic = read.topic();
        partition = read.partition();
        offset = read.offset();
        record = read;
        value = null;
    }

    /** Whether Kafka handed its record back yet. */
    boolean hasPosition() {
        return offset >= 0;
    }

    String topic() {
        return topic;
    }

    int partition() {
        return partition;
    }

    long offset() {
        return offset;
    }

    /** The record if still kept in memory, else null. */
    FollowedRecord record() {
        return record;
    }

    /** The whole value if in hand (added by the drop path, not read back yet), else null. */
    AnnotatedValue value() {
        return value;
    }

    /** Lets the record's bytes go; the value is then read back from Kafka by its position when asked for. */
    void forgetRecord() {
        record = null;
    }
}
