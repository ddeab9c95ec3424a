package dev.tffashion.pipeline.graph;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * The pipeline graph, loaded from the one source of truth {@code pipeline.yaml}: tasks, their inputs and outputs, the links
 * between them and the Kafka topic of every output, under a configurable pipeline name.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class PipelineGraph {

    /** The default pipeline name; configurable as {@code tf-fashion.pipeline}. */
    public static final String DEFAULT_NAME = "tf-fashion";

    private static final String RESOURCE = "/dev/tffashion/pipeline/pipeline.yaml";

    private final String name;
    private final String description;
    private final List<Task> tasks;

    private PipelineGraph(String name, String description, List<Task> tasks) {
        this.name = name;
        this.description = description;
        this.tasks = List.copyOf(tasks);
        validate();
    }

    /** The tf-fashion graph under the default pipeline name. */
    public static PipelineGraph load() {
        return load(DEFAULT_NAME);
    }

    /** The tf-fashion graph under the given pipeline name (the prefix of every topic). */
    public static PipelineGraph load(String pipelineName) {
        try (InputStream in = PipelineGraph.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("pipeline graph resource " + RESOURCE + " is missing from the class path");
            }
            ObjectMapper yaml = new ObjectMapper(new YAMLFactory()).disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
            Definition def = yaml.readValue(in, Definition.class);
            return new PipelineGraph(pipelineName, def.description, def.tasks.stream().map(Task::fromDefinition).toList());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read pipeline graph " + RESOURCE, e);
        }
    }

    @JsonProperty
    public String name() {
        return name;
    }

    @JsonProperty
    public String description() {
        return description;
    }

    @JsonProperty
    public List<Task> tasks() {
        return tasks;
    }

    /** Every link: an output feeding a task's input. */
    @JsonProperty
    public List<Link> links() {
        List<Link> links = new ArrayList<>();
        for (Task task : tasks) {
            for (Input input : task.inputs()) {
                Output from = output(input.fromTask(), input.fromOutput());
                links.add(new Link(input.fromTask(), input.fromOutput(), task.name(), input.name(), from.type().wireName(),
                        topic(input.fromTask(), input.fromOutput())));
            }
        }
        return links;
    }

    public Task task(String taskName) {
        return findTask(taskName)
                .orElseThrow(() -> new IllegalArgumentException("no task '" + taskName + "' in pipeline " + name + "; tasks: "
                        + tasks.stream().map(Task::name).toList()));
    }

    public Optional<Task> findTask(String taskName) {
        return tasks.stream().filter(t -> t.name().equals(taskName)).findFirst();
    }

    public Output output(String taskName, String outputName) {
        return task(taskName).outputs().stream().filter(o -> o.name().equals(outputName)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("task '" + taskName + "' has no output '" + outputName + "'"));
    }

    /** The topic of a task's output: {@code <pipeline>.<task>.<output>}. */
    public String topic(String taskName, String outputName) {
        output(taskName, outputName);
        return name + "." + taskName + "." + outputName;
    }

    /** The topic feeding a task's input. */
    public String inputTopic(String taskName, String inputName) {
        Input input = task(taskName).inputs().stream().filter(i -> i.name().equals(inputName)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("task '" + taskName + "' has no input '" + inputName + "'"));
        return topic(input.fromTask(), input.fromOutput());
    }

    /** The compacted status topic, keyed by task name. */
    public String statusTopic() {
        return name + ".status";
    }

    /** The compacted topic of replay requests (issue 16), keyed by replay id: written by file-drop, read by predict. */
    public String replayRequestTopic() {
        return name + ".replay.request";
    }

    /** The compacted topic of replay reports, keyed by replay id: written by predict's replay job, read by file-drop. */
    public String replayReportTopic() {
        return name + ".replay.report";
    }

    /**
     * The transactional id of everything written for one replay: predict's replay job and serve-manager's refusal of a replay both
     * write with it, so the later writer fences the earlier one.
     */
    public String replayTransactionalId(String replayId) {
        return name + ".predict.replay." + replayId;
    }

    /** A task's dead-letter topic. */
    public String deadLetterTopic(String taskName) {
        task(taskName);
        return name + "." + taskName + ".dlq";
    }

    /**
     * The challenger's predictions while a rollout runs ({@code <pipeline>.predict.shadow}): written by predict, read by serve-manager's
     * promotion gate. Not an output in the graph: nothing downstream treats these as answers to a user.
     */
    public String shadowTopic() {
        return name + ".predict.shadow";
    }

    /**
     * Manual rollout commands (promote, rollback), written by file-drop, read by the serve-manager leader:
     * {@code <pipeline>.serve.control}.
     */
    public String rolloutControlTopic() {
        return name + ".serve.control";
    }

    /** Every topic of the pipeline with its settings: outputs, status, dead letters, the rollout topics. */
    public List<TopicSpec> topics(int partitions) {
        List<TopicSpec> specs = new ArrayList<>();
        for (Task task : tasks) {
            for (Output output : task.outputs()) {
                specs.add(new TopicSpec(topic(task.name(), output.name()), output.compacted() ? 1 : partitions, output.compacted()));
            }
        }
        specs.add(new TopicSpec(statusTopic(), 1, true));
        specs.add(new TopicSpec(shadowTopic(), partitions, false));
        specs.add(new TopicSpec(rolloutControlTopic(), 1, false));
        specs.add(new TopicSpec(replayRequestTopic(), 1, true));
        specs.add(new TopicSpec(replayReportTopic(), 1, true));
        for (Task task : tasks) {
            if (!task.inputs().isEmpty()) {
                specs.add(new TopicSpec(deadLetterTopic(task.name()), 1, false));
            }
        }
        return specs;
    }

    private void validate() {
        Map<String, Task> byName = new LinkedHashMap<>();
        for (Task task : tasks) {
            if (byName.put(task.name(), task) != null) {
                throw new IllegalStateException("pipeline graph: task '" + task.name() + "' is defined twice");
            }
        }
        for (Task task : tasks) {
            for (Input input : task.inputs()) {
                Task from = byName.get(input.fromTask());
                if (from == null || from.outputs().stream().noneMatch(o -> o.name().equals(input.fromOutput()))) {
                    throw new IllegalStateException("pipeline graph: input '" + task.name() + "/" + input.name()
                            + "' reads '" + input.fromTask() + "/" + input.fromOutput() + "', which no task produces");
                }
            }
        }
    }

    /** A task of the pipeline, run by one service. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Task(String name, String service, String description, String http, List<Input> inputs,
            List<Output> outputs) {
        public Task {
            inputs = inputs == null ? List.of() : List.copyOf(inputs);
            outputs = outputs == null ? List.of() : List.copyOf(outputs);
        }

        static Task fromDefinition(TaskDefinition d) {
            List<Input> inputs = d.inputs == null ? List.of() : d.inputs.stream().map(Input::fromDefinition).toList();
            List<Output> outputs = d.outputs == null ? List.of()
                    : d.outputs.stream().map(o -> new Output(o.name, ValueType.fromWireName(o.type), o.compacted)).toList();
            return new Task(d.name, d.service, d.description, d.http, inputs, outputs);
        }
    }

    /** A task's input: the output it reads, and whether it takes every value or only the latest. */
    public record Input(String name, String fromTask, String fromOutput, String policy) {
        static Input fromDefinition(InputDefinition d) {
            String[] parts = d.from.split("/", 2);
            if (parts.length != 2) {
                throw new IllegalStateException("pipeline graph: input '" + d.name + "' must read '<task>/<output>', not '" + d.from + "'");
            }
            return new Input(d.name, parts[0], parts[1], d.policy == null ? "all" : d.policy);
        }
    }

    /** A task's output and the type of its values. */
    public record Output(String name, @JsonIgnore ValueType type, boolean compacted) {
        @JsonProperty("type")
        public String typeName() {
            return type.wireName();
        }
    }

    /** An edge of the graph, with the topic that carries it. */
    public record Link(String fromTask, String fromOutput, String toTask, String toInput, String type, String topic) {
    }

    /** A topic and its settings. */
    public record TopicSpec(String name, int partitions, boolean compacted) {
    }

    static final class Definition {
        public String description;
        public List<TaskDefinition> tasks = List.of();
    }

    static final class TaskDefinition {
        public String name;
        public String service;
        public String description;
        public String http;
        public List<InputDefinition> inputs;
        public List<OutputDefinition> outputs;
    }

    static final class InputDefinition {
        public String name;
        public String from;
        public String policy;
    }

    static final class OutputDefinition {
        public String name;
        public String type;
        public boolean compacted;
    }
}
