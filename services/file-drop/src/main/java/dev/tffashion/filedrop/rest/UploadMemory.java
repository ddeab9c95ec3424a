package dev.tffashion.filedrop.rest;

import java.util.concurrent.Semaphore;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.tffashion.filedrop.config.FileDropConfig;

/**
 * The heap that drop bodies may hold at once ({@code file-drop.upload-memory-mib}), counted in KiB. {@link DropGuard} reserves
 * a drop's declared size before anything of its body is read, and gives it back when the exchange ends; a drop that finds no
 * room is answered 503 {@code busy} at once (nothing accepted; the client sends it again). A body without Content-Length
 * (chunked) holds room for what has arrived, grown as it arrives ({@link WriteBodies#read}), and is answered 503 when it
 * finds no more (counted at its limit from the start, 64 small chunked pictures at once found no room for 25 of them). A
 * body is buffered in the heap before the drop is worked on (the request stream queues what arrives, and the raw body is read
 * whole), so without this bound many large uploads at once ran file-drop out of memory, waiting or not.
 */
@ApplicationScoped
public class UploadMemory {

    @Inject
    FileDropConfig config;

    private Semaphore room;
    private int budgetKib;

    @PostConstruct
    void init() {
        budgetKib = (int) Math.min(Integer.MAX_VALUE, Math.max(1, config.uploadMemoryMib() * 1024));
        room = new Semaphore(budgetKib);
    }

    /**
     * Reserves room for a body of {@code bytes} (at most the whole budget, so that one drop alone always fits), without waiting.
     *
     * @return the room held, to release once when the exchange ends; null when there is no room now
     */
    public Reservation tryReserve(long bytes) {
        Reservation reservation = new Reservation();
        return reservation.growTo(bytes) ? reservation : null;
    }

    private int kib(long bytes) {
        return (int) Math.max(1, Math.min(budgetKib, (bytes + 1023) / 1024));
    }

    /** The room one body holds. */
    public final class Reservation {

        private int heldKib;
        private boolean released;

        private Reservation() {
        }

        /**
         * Holds room for a body of {@code bytes} in all (at most the whole budget), taking only what is not held yet, without
         * waiting.
         *
         * @return false when there is no room for it now (what was held stays held until {@link #release})
         */
        public synchronized boolean growTo(long bytes) {
            int wanted = kib(bytes);
            if (released || wanted <= heldKib) {
                return !released;
            }
            if (!room.tryAcquire(wanted - heldKib)) {
                return false;
            }
            heldKib = wanted;
            return true;
        }

        /** Gives the room back; later calls do nothing. */
        public synchronized void release() {
            if (!released) {
                released = true;
                room.release(heldKib);
                heldKib = 0;
            }
        }
    }
}
