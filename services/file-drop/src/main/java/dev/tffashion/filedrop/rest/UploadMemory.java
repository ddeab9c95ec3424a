package dev.tffashion.filedrop.rest;

import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.tffashion.filedrop.config.FileDropConfig;

/**
 * The heap that drop bodies may hold at once ({@code file-drop.upload-memory-mib}), counted in KiB. {@link DropGuard} reserves
 * a drop's size before anything of its body is read, and gives it back when the exchange ends; a drop that finds no room is
 * answered 503 {@code busy} at once (nothing accepted; the client sends it again). A body is buffered in the heap before the
 * drop is worked on (the request stream queues what arrives, and the raw body is read whole), so without this bound many
 * large uploads at once ran file-drop out of memory, waiting or not.
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
     * @return the release, to run once when the exchange ends; null when there is no room now
     */
    public Runnable tryReserve(long bytes) {
        int kib = (int) Math.max(1, Math.min(budgetKib, (bytes + 1023) / 1024));
        if (!room.tryAcquire(kib)) {
            return null;
        }
        AtomicBoolean released = new AtomicBoolean();
        return () -> {
            if (released.compareAndSet(false, true)) {
                room.release(kib);
            }
        };
    }
}
