package dev.tffashion.e2e.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The cold start's blocks, by wall time: the drops in the order they were due, cut into blocks of equal count. A block's window
 * runs from the moment its first drop was due to the moment the next block's first drop was due (the last block's: one interval
 * after its last drop), so the CPU of a window is what the pipeline spent while those pictures were coming, wherever in the
 * pipeline that work was. Beside it, how many pictures were waiting (due, not yet predicted) at each end of the window: a block
 * that starts or ends with more waiting than the steady state holds is still catching up, and its CPU per picture cannot be
 * compared with the steady state's (a backlog is worked off in larger, cheaper batches).
 */
final class ColdBlocks {

    /**
     * One block.
     *
     * @param first the index of its first drop (due order)
     * @param count its drops
     * @param fromMillis the start of its window (epoch ms)
     * @param toMillis the end of its window (epoch ms)
     * @param waitingAtStart pictures due before the window's start and not predicted by then (never predicted included)
     * @param waitingAtEnd pictures due before the window's end and not predicted by then
     */
    record Block(int first, int count, long fromMillis, long toMillis, int waitingAtStart, int waitingAtEnd) {

        int waiting() {
            return Math.max(waitingAtStart, waitingAtEnd);
        }
    }

    private ColdBlocks() {
    }

    /**
     * Cuts drops into blocks.
     *
     * @param dueMillis when each drop was due (epoch ms), in due order
     * @param predictedMillis the timestamp of each drop's prediction record (epoch ms), 0 for a drop never predicted
     * @param blocks how many blocks (the drops left over after equal blocks are not in any)
     * @param rate the drops' rate per second, for the last block's end
     */
    static List<Block> of(long[] dueMillis, long[] predictedMillis, int blocks, double rate) {
        if (dueMillis.length != predictedMillis.length) {
            throw new IllegalArgumentException(dueMillis.length + " due times but " + predictedMillis.length + " predictions");
        }
        int size = dueMillis.length / Math.max(1, blocks);
        var result = new ArrayList<Block>();
        if (size == 0) {
            return result;
        }
        for (int b = 0; b < blocks; b++) {
            int first = b * size;
            int next = first + size;
            long from = dueMillis[first];
            long to = next < dueMillis.length ? dueMillis[next] : dueMillis[next - 1] + Math.round(1000 / rate);
            result.add(new Block(first, size, from, to, waitingAt(from, dueMillis, predictedMillis),
                waitingAt(to, dueMillis, predictedMillis)));
        }
        return result;
    }

    /** Pictures due before a moment and not predicted by then. */
    static int waitingAt(long millis, long[] dueMillis, long[] predictedMillis) {
        int waiting = 0;
        for (int i = 0; i < dueMillis.length; i++) {
            if (dueMillis[i] < millis && (predictedMillis[i] == 0 || predictedMillis[i] > millis)) {
                waiting++;
            }
        }
        return waiting;
    }
}
