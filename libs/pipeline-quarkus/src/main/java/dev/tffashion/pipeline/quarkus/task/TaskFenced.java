package dev.tffashion.pipeline.quarkus.task;

/**
 * Fired (a CDI event) when a transactional runner's producer was fenced and the runner stopped; {@link TaskRuntime} then exits the
 * service unless {@code tf-fashion.task.exit-when-fenced=false}.
 *
 * @param task the task whose runner was fenced
 */
public record TaskFenced(String task) {
}
