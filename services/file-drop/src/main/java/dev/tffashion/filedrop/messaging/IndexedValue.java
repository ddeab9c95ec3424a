package dev.tffashion.filedrop.messaging;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import dev.tffashion.pipeline.quarkus.follow.FollowedRecord;

/**
 * What the index stores of one value, under {@code v:<id>} in its topic's state store: the whole record (where it was on Kafka,
 * its timestamp, key, headers and payload), so that a value is decoded from the store when someone asks for it, never read back
 * from Kafka. A compact binary form (version byte first), written only by {@link IndexUpdater} and read by {@link ValueIndex}.
 */
final class IndexedValue {

    private static final int VERSION = 1;

    private IndexedValue() {
    }

    /** The stored form of a record. */
    static byte[] encode(String topic, int partition, long offset, long timestamp, String key, Headers headers, byte[] value) {
        Header[] all = headers == null ? new Header[0] : headers.toArray();
        int size = 64 + topic.length() * 3 + (key == null ? 0 : key.length() * 3) + (value == null ? 0 : value.length);
        for (Header header : all) {
            size += 6 + header.key().length() * 3 + (header.value() == null ? 0 : header.value().length);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(size);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeUTF(topic);
            out.writeInt(partition);
            out.writeLong(offset);
            out.writeLong(timestamp);
            out.writeBoolean(key != null);
            if (key != null) {
                out.writeUTF(key);
            }
            out.writeInt(all.length);
            for (Header header : all) {
                out.writeUTF(header.key());
                writeBytes(out, header.value());
            }
            writeBytes(out, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The record a stored form holds. */
    static FollowedRecord decode(byte[] stored) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(stored))) {
            int version = in.readUnsignedByte();
            if (version != VERSION) {
                throw new IllegalStateException("stored index entry has version " + version + ", this file-drop reads " + VERSION
                    + "; delete the index's state directory (tf-fashion.file-drop.state-dir) to rebuild it from Kafka");
            }
            String topic = in.readUTF();
            int partition = in.readInt();
            long offset = in.readLong();
            long timestamp = in.readLong();
            String key = in.readBoolean() ? in.readUTF() : null;
            int count = in.readInt();
            RecordHeaders headers = new RecordHeaders();
            for (int i = 0; i < count; i++) {
                headers.add(in.readUTF(), readBytes(in));
            }
            return new FollowedRecord(topic, partition, offset, timestamp, key, headers, readBytes(in));
        } catch (IOException e) {
            throw new UncheckedIOException("a stored index entry is cut short", e);
        }
    }

    private static void writeBytes(DataOutputStream out, byte[] value) throws IOException {
        if (value == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(value.length);
            out.write(value);
        }
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0) {
            return null;
        }
        byte[] value = new byte[length];
        in.readFully(value);
        return value;
    }
}
