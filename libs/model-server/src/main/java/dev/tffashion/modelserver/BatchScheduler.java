package dev.tffashion.modelserver;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.proto.error.Code;

/**
 * TF Serving's batching ({@code --enable_batching}): concurrent session runs of the same version, feeds (names, dtypes,
 * shapes but the first dimension) and fetches are queued and merged into one run along the first dimension; the
 * outputs are split back by each request's rows. A batch runs when it is full ({@code max_batch_size}), when its
 * oldest request waited {@code batch_timeout_micros}, or when a newer batch had to be opened behind it; up to
 * {@code num_batch_threads} batches run at once and at most {@code max_enqueued_batches} wait per queue (more is
 * UNAVAILABLE, as in TF Serving). With {@code allowed_batch_sizes} a batch is padded to the next allowed size by
 * repeating its first row.
 */
final class BatchScheduler implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(BatchScheduler.class.getName());

    private final BatchingParameters parameters;
    private final ServingMetrics metrics;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Guarded by lock: the queue of each batching key, in creation order. */
    private final Map<Key, Deque<Batch>> queues = new LinkedHashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private boolean closed;

    BatchScheduler(BatchingParameters parameters, ServingMetrics metrics) {
        this.parameters = parameters;
        this.metrics = metrics;
        for (int i = 0; i < parameters.numBatchThreads(); i++) {
            Thread thread = new Thread(this::work, "model-server-batch-" + (i + 1));
            thread.setDaemon(true);
            thread.start();
            threads.add(thread);
        }
    }

    BatchingParameters parameters() {
        return parameters;
    }

    /** True when every feed has a first (batch) dimension of the same size and a dtype this scheduler can merge. */
    static boolean batchable(Map<String, TensorProto> feeds) {
        long rows = -1;
        for (TensorProto feed : feeds.values()) {
            TensorShapeProto shape = feed.getTensorShape();
            if (shape.getUnknownRank() || shape.getDimCount() == 0 || !TensorConversion.supported(feed.getDtype())) {
                return false;
            }
            long size = shape.getDim(0).getSize();
            if (size < 1 || (rows >= 0 && size != rows)) {
                return false;
            }
            rows = size;
        }
        return rows > 0;
    }

    /** Runs the feeds as part of a batch and returns this request's rows of each fetched tensor. */
    List<TensorProto> run(LoadedVersion version, Map<String, TensorProto> feeds, List<String> fetches) {
        Map<String, TensorProto> canonical = new LinkedHashMap<>();
        feeds.forEach((name, tensor) -> canonical.put(name, canonical(name, tensor)));
        int rows = (int) canonical.values().iterator().next().getTensorShape().getDim(0).getSize();
        canonical.values().forEach(t -> metrics.inputBatchSize(t.getTensorShape().getDim(0).getSize()));
        if (rows > parameters.maxBatchSize()) {
            throw ServingException.invalidArgument("Task size " + rows + " is larger than maximum input batch size "
                + parameters.maxBatchSize());
        }
        Task task = new Task(canonical, rows);
        enqueue(new Key(version, fetches, canonical), task);
        try {
            return task.result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServingException(Code.CANCELLED, "Interrupted while waiting for a batch");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new ServingException(Code.INTERNAL, "Batch failed: " + e.getCause(), e.getCause());
        }
    }

    private void enqueue(Key key, Task task) {
        lock.lock();
        try {
            if (closed) {
                throw new ServingException(Code.UNAVAILABLE, "The batch scheduler is shut down");
            }
            Deque<Batch> queue = queues.computeIfAbsent(key, k -> new ArrayDeque<>());
            Batch open = queue.peekLast();
            if (open == null || open.rows + task.rows > parameters.maxBatchSize()) {
                if (queue.size() >= parameters.maxEnqueuedBatches()) {
                    throw new ServingException(Code.UNAVAILABLE, "The batch scheduling queue to which this task was submitted is full");
                }
                open = new Batch(key, System.nanoTime());
                queue.addLast(open);
            }
            open.tasks.add(task);
            open.rows += task.rows;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void work() {
        while (true) {
            Batch batch;
            lock.lock();
            try {
                batch = null;
                while (batch == null) {
                    if (closed) {
                        return;
                    }
                    long now = System.nanoTime();
                    long wait = Long.MAX_VALUE;
                    for (Deque<Batch> queue : queues.values()) {
                        Batch head = queue.peekFirst();
                        if (head == null) {
                            continue;
                        }
                        long due = head.created + TimeUnit.MICROSECONDS.toNanos(parameters.batchTimeoutMicros());
                        if (queue.size() > 1 || head.rows >= parameters.maxBatchSize() || now >= due) {
                            if (batch == null || head.created < batch.created) {
                                batch = head;
                            }
                        } else {
                            wait = Math.min(wait, due - now);
                        }
                    }
                    if (batch == null) {
                        if (wait == Long.MAX_VALUE) {
                            changed.await();
                        } else {
                            changed.awaitNanos(wait);
                        }
                    }
                }
                Deque<Batch> queue = queues.get(batch.key);
                queue.pollFirst();
                if (queue.isEmpty()) {
                    queues.remove(batch.key);
                }
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            process(batch);
        }
    }

    private void process(Batch batch) {
        long dequeued = System.nanoTime();
        batch.tasks.forEach(t -> metrics.queuingLatency(dequeued - t.enqueued));
        try {
            int padded = paddedSize(batch.rows);
            Map<String, TensorProto> merged = new LinkedHashMap<>();
            for (String name : batch.tasks.get(0).feeds.keySet()) {
                List<TensorProto> parts = new ArrayList<>();
                batch.tasks.forEach(t -> parts.add(t.feeds.get(name)));
                merged.put(name, concat(parts, batch.rows, padded));
            }
            metrics.processedBatch(padded, padded - batch.rows);
            List<TensorProto> outputs;
            try {
                outputs = batch.key.version.runDirect(merged, batch.key.fetches);
            } finally {
                metrics.wrappedRun();
            }
            List<List<TensorProto>> split = new ArrayList<>();
            batch.tasks.forEach(t -> split.add(new ArrayList<>()));
            for (TensorProto output : outputs) {
                TensorShapeProto shape = output.getTensorShape();
                if (shape.getDimCount() == 0 || shape.getDim(0).getSize() != padded) {
                    throw new ServingException(Code.FAILED_PRECONDITION, "Batched output tensor's 0th dimension does not equal"
                        + " the sum of the 0th dimension sizes of the input tensors");
                }
                int offset = 0;
                for (int i = 0; i < batch.tasks.size(); i++) {
                    int rows = batch.tasks.get(i).rows;
                    split.get(i).add(slice(output, offset, rows, padded));
                    offset += rows;
                }
            }
            for (int i = 0; i < batch.tasks.size(); i++) {
                batch.tasks.get(i).result.complete(split.get(i));
            }
        } catch (RuntimeException e) {
            if (!(e instanceof ServingException)) {
                LOG.log(Level.WARNING, "A batch of " + batch.rows + " rows failed", e);
            }
            batch.tasks.forEach(t -> t.result.completeExceptionally(e));
        }
    }

    private int paddedSize(int rows) {
        for (int allowed : parameters.allowedBatchSizes()) {
            if (allowed >= rows) {
                return allowed;
            }
        }
        return rows;
    }

    /** The feed with its values as little-endian tensor_content (fixed-width dtypes), checked against its shape. */
    private static TensorProto canonical(String name, TensorProto tensor) {
        long n = TensorConversion.elementCount(name, TensorConversion.dims(tensor.getTensorShape()));
        if (tensor.getDtype() == DataType.DT_STRING) {
            if (tensor.getStringValCount() != n) {
                throw ServingException.invalidArgument("input '" + name + "' has " + n + " elements but carries "
                    + tensor.getStringValCount() + " string_val values");
            }
            return tensor;
        }
        int width = TensorConversion.byteWidth(tensor.getDtype());
        if (!tensor.getTensorContent().isEmpty()) {
            if (tensor.getTensorContent().size() != n * width) {
                throw ServingException.invalidArgument("input '" + name + "' has tensor_content of " + tensor.getTensorContent().size()
                    + " bytes, but its shape needs " + n * width + " bytes");
            }
            return tensor;
        }
        ByteBuffer bytes = ByteBuffer.allocate(Math.toIntExact(n * width)).order(ByteOrder.LITTLE_ENDIAN);
        int count = switch (tensor.getDtype()) {
            case DT_FLOAT -> tensor.getFloatValCount();
            case DT_DOUBLE -> tensor.getDoubleValCount();
            case DT_INT32 -> tensor.getIntValCount();
            case DT_INT64 -> tensor.getInt64ValCount();
            default -> tensor.getBoolValCount();
        };
        if (count != n) {
            throw ServingException.invalidArgument("input '" + name + "' has " + n + " elements but carries " + count + " values");
        }
        for (int i = 0; i < n; i++) {
            switch (tensor.getDtype()) {
                case DT_FLOAT -> bytes.putFloat(tensor.getFloatVal(i));
                case DT_DOUBLE -> bytes.putDouble(tensor.getDoubleVal(i));
                case DT_INT32 -> bytes.putInt(tensor.getIntVal(i));
                case DT_INT64 -> bytes.putLong(tensor.getInt64Val(i));
                default -> bytes.put((byte) (tensor.getBoolVal(i) ? 1 : 0));
            }
        }
        bytes.flip();
        return tensor.toBuilder().clearFloatVal().clearDoubleVal().clearIntVal().clearInt64Val().clearBoolVal()
            .setTensorContent(ByteString.copyFrom(bytes)).build();
    }

    private static TensorProto concat(List<TensorProto> parts, int rows, int padded) {
        TensorProto first = parts.get(0);
        TensorShapeProto.Builder shape = first.getTensorShape().toBuilder();
        shape.setDim(0, TensorShapeProto.Dim.newBuilder().setSize(padded));
        TensorProto.Builder merged = TensorProto.newBuilder().setDtype(first.getDtype()).setTensorShape(shape);
        long rowElements = TensorConversion.elementCount("batch", TensorConversion.dims(first.getTensorShape()))
            / first.getTensorShape().getDim(0).getSize();
        if (first.getDtype() == DataType.DT_STRING) {
            parts.forEach(p -> merged.addAllStringVal(p.getStringValList()));
            for (int r = rows; r < padded; r++) {
                merged.addAllStringVal(first.getStringValList().subList(0, (int) rowElements));
            }
            return merged.build();
        }
        ByteString content = ByteString.EMPTY;
        for (TensorProto part : parts) {
            content = content.concat(part.getTensorContent());
        }
        ByteString firstRow = first.getTensorContent().substring(0, (int) (rowElements * TensorConversion.byteWidth(first.getDtype())));
        for (int r = rows; r < padded; r++) {
            content = content.concat(firstRow);
        }
        return merged.setTensorContent(content).build();
    }

    /** Rows [offset, offset + rows) of a batched output, in the typed fields the unbatched run returns. */
    private static TensorProto slice(TensorProto output, int offset, int rows, int batchRows) {
        long total = TensorConversion.elementCount("output", TensorConversion.dims(output.getTensorShape()));
        int perRow = (int) (total / batchRows);
        int from = offset * perRow;
        int to = from + rows * perRow;
        TensorShapeProto.Builder shape = output.getTensorShape().toBuilder();
        shape.setDim(0, TensorShapeProto.Dim.newBuilder().setSize(rows));
        TensorProto.Builder part = TensorProto.newBuilder().setDtype(output.getDtype()).setTensorShape(shape);
        switch (output.getDtype()) {
            case DT_FLOAT -> part.addAllFloatVal(output.getFloatValList().subList(from, to));
            case DT_DOUBLE -> part.addAllDoubleVal(output.getDoubleValList().subList(from, to));
            case DT_INT32 -> part.addAllIntVal(output.getIntValList().subList(from, to));
            case DT_INT64 -> part.addAllInt64Val(output.getInt64ValList().subList(from, to));
            case DT_BOOL -> part.addAllBoolVal(output.getBoolValList().subList(from, to));
            case DT_STRING -> part.addAllStringVal(output.getStringValList().subList(from, to));
            default -> throw ServingException.unimplemented("cannot split a batched " + output.getDtype() + " output");
        }
        return part.build();
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            ServingException shutdown = new ServingException(Code.UNAVAILABLE, "The model server is shutting down");
            queues.values().forEach(q -> q.forEach(b -> b.tasks.forEach(t -> t.result.completeExceptionally(shutdown))));
            queues.clear();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        threads.forEach(Thread::interrupt);
    }

    /** What must be equal for two runs to share a batch: the version, the fetches, each feed's dtype and row shape. */
    private static final class Key {
        private final LoadedVersion version;
        private final List<String> fetches;
        private final Map<String, Object> feeds = new HashMap<>();

        Key(LoadedVersion version, List<String> fetches, Map<String, TensorProto> canonical) {
            this.version = version;
            this.fetches = List.copyOf(fetches);
            canonical.forEach((name, tensor) -> {
                List<Long> rowShape = new ArrayList<>();
                for (int i = 1; i < tensor.getTensorShape().getDimCount(); i++) {
                    rowShape.add(tensor.getTensorShape().getDim(i).getSize());
                }
                feeds.put(name, List.of(tensor.getDtype(), rowShape));
            });
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.version == version && k.fetches.equals(fetches) && k.feeds.equals(feeds);
        }

        @Override
        public int hashCode() {
            return Objects.hash(System.identityHashCode(version), fetches, feeds);
        }
    }

    /** The requests merged into one run. */
    private static final class Batch {
        private final Key key;
        private final long created;
        private final List<Task> tasks = new ArrayList<>();
        private int rows;

        Batch(Key key, long created) {
            this.key = key;
            this.created = created;
        }
    }

    /** One request's feeds, rows and answer. */
    private static final class Task {
        private final Map<String, TensorProto> feeds;
        private final int rows;
        private final CompletableFuture<List<TensorProto>> result = new CompletableFuture<>();
        private final long enqueued = System.nanoTime();

        Task(Map<String, TensorProto> feeds, int rows) {
            this.feeds = feeds;
            this.rows = rows;
        }
    }
}
