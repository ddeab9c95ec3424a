package dev.tffashion.pipeline.quarkus.task;

import java.util.Map;

import dev.tffashion.pipeline.quarkus.StatusReporter;
import dev.tffashion.pipeline.status.TaskState;

/**
 * Where a task runner reports its counters and states: the service's {@link StatusReporter}, which coalesces the records of one task
 * on {@code <pipeline>.status}, so the runner reports freely (once per batch) and adds no throttle of its own.
 */
public interface StatusSink {

    /** Adds to a task's counter and returns the new total. */
    long increment(String task, String counter, long delta);

    /** Reports a task's state with a reason and details; counters are attached by the sink. */
    void report(String task, TaskState state, String reason, Map<String, Object> details);

    /** The sink that publishes through the service's status reporter. */
    static StatusSink of(StatusReporter reporter) {
        return new StatusSink() {
            @Override
            public long increment(String task, String counter, long delta) {
                return reporter.increment(task, counter, delta);
            }

            @Override
            public void report(String task, TaskState state, String reason, Map<String, Object> details) {
                reporter.report(task, state, reason, null, details);
            }
        };
    }
}
