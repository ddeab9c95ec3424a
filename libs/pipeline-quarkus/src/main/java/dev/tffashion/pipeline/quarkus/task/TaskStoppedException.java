package dev.tffashion.pipeline.quarkus.task;

import java.util.concurrent.CancellationException;

/**
 * The service stops before the work of a record was done (its outputs not acknowledged yet): the record is neither acknowledged nor
 * dead-lettered, so Kafka delivers it again on the next run. A {@link CancellationException}, so that domain code which treats a
 * cancelled work as "retried on restart" lets it through.
 */
public class TaskStoppedException extends CancellationException {

    private static final long serialVersionUID = 1L;

    public TaskStoppedException(String message) {
        super(message);
    }
}
