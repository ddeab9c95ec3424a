package dev.tffashion.filedrop.rest;

import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import dev.tffashion.filedrop.messaging.ValueIndex;
import dev.tffashion.filedrop.status.TaskStatusBoard;
import dev.tffashion.pipeline.graph.PipelineGraph;

/**
 * {@code GET /v1/pipeline}: the graph (tasks, links, topics) from the one source of truth, with each task's status
 * ({@code status}: per task, the aggregate of its replicas with each replica's state in {@code replicas}, from the
 * {@link TaskStatusBoard}), how
 * many values each task output has published ({@code counts}), each task's dead letters ({@code deadLetters}: count and
 * latest), and whether the index behind them has read every topic yet
 * ({@code caughtUp}, {@code missingTopics}): while it has not, status and counts are partial, and the UI says it is loading.
 */
@Path("/v1/pipeline")
@Produces(MediaType.APPLICATION_JSON)
public class PipelineResource {

    @Inject
    PipelineGraph graph;

    @Inject
    ValueIndex index;

    @Inject
    TaskStatusBoard board;

    @GET
    public Map<String, Object> pipeline() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", graph.name());
        body.put("description", graph.description());
        body.put("tasks", graph.tasks());
        body.put("links", graph.links());
        body.put("statusTopic", graph.statusTopic());
        body.put("status", board.status());
        body.put("counts", index.counts());
        body.put("deadLetters", index.deadLetterSummary());
        body.put("caughtUp", index.caughtUp());
        body.put("missingTopics", index.missingTopics());
        return body;
    }
}
