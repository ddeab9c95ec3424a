package dev.tffashion.modelserver;

import java.util.concurrent.atomic.AtomicLong;

/**
 * How much of the heap the REST API's request bodies may take. A body is read whole and parsed into Jackson's tree before it
 * becomes tensors, and the tree of a JSON array of numbers is many times the text ({@link #PARSE_FACTOR}); one large request
 * read without a bound ran the JVM out of heap, and with {@code -XX:+ExitOnOutOfMemoryError} (serve-manager, which embeds this
 * server) the process ended. So one body is at most {@link #maxBodyBytes} (413 beyond), and bodies being read and parsed at
 * once reserve {@link #PARSE_FACTOR} times their size from {@link #budgetBytes}: a request that finds no room is answered 429
 * (TF Serving's RESOURCE_EXHAUSTED) with {@code Retry-After}, without waiting for room (its body is read and dropped first, so
 * that the client reads the answer). TF Serving itself has no such limit.
 */
final class RestBodies {

    /**
     * How many times its size a JSON body may take in the heap while it is read and parsed: Jackson's tree of an array of numbers
     * such as {@code 0.5} measured 6.6 times its text (a DoubleNode and a reference for 4 bytes), the body itself and the tensors
     * made from it come on top; 16 leaves room.
     */
    static final long PARSE_FACTOR = 16;

    private final long maxBodyBytes;
    private final long budgetBytes;
    private final AtomicLong reserved = new AtomicLong();

    private RestBodies(long maxBodyBytes, long budgetBytes) {
        this.maxBodyBytes = maxBodyBytes;
        this.budgetBytes = budgetBytes;
    }

    /** The limits for a heap of {@code heapBytes}: a body at most a 32nd of it, all bodies at once (times the factor) half. */
    static RestBodies ofHeap(long heapBytes) {
        return new RestBodies(heapBytes / 32, heapBytes / 2);
    }

    long maxBodyBytes() {
        return maxBodyBytes;
    }

    long budgetBytes() {
        return budgetBytes;
    }

    /** The room the bodies being read and parsed hold now (their sizes times the factor). */
    long reservedBytes() {
        return reserved.get();
    }

    /** Reserves room for a body of {@code size} bytes (times the factor); the room to give back, or -1 when there is none. */
    long tryReserve(long size) {
        long room = size * PARSE_FACTOR;
        while (true) {
            long now = reserved.get();
            if (now + room > budgetBytes) {
                return -1;
            }
            if (reserved.compareAndSet(now, now + room)) {
                return room;
            }
        }
    }

    void release(long room) {
        reserved.addAndGet(-room);
    }
}
