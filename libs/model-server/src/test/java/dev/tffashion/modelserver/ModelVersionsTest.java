package dev.tffashion.modelserver;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tensorflow.serving.GetModelStatus.GetModelStatusRequest;
import tensorflow.serving.GetModelStatus.ModelVersionStatus;
import tensorflow.serving.Model.ModelSpec;
import tensorflow.serving.ModelManagement.ReloadConfigRequest;
import tensorflow.serving.ModelServerConfigOuterClass.ModelConfig;
import tensorflow.serving.ModelServerConfigOuterClass.ModelConfigList;
import tensorflow.serving.ModelServerConfigOuterClass.ModelServerConfig;
import tensorflow.serving.ModelServiceGrpc;
import tensorflow.serving.Predict.PredictRequest;
import tensorflow.serving.Predict.PredictResponse;
import tensorflow.serving.PredictionServiceGrpc;

/** TF Serving's version semantics over the model base path: failed loads, swaps under load, reloaded configs. */
class ModelVersionsTest {

    @TempDir
    Path tmp;

    private static PredictRequest request(String model, float[] pixels) {
        return PredictRequest.newBuilder()
            .setModelSpec(ModelSpec.newBuilder().setName(model))
            .putInputs("images", TinyModels.imagesProto(pixels))
            .build();
    }

    private static float[] floats(PredictResponse response) {
        var tensor = response.getOutputsOrThrow("probabilities");
        float[] values = new float[tensor.getFloatValCount()];
        for (int i = 0; i < values.length; i++) {
            values[i] = tensor.getFloatVal(i);
        }
        return values;
    }

    private static ModelVersionStatus status(List<ModelVersionStatus> all, long version) {
        return all.stream().filter(s -> s.getVersion() == version).findFirst().orElseThrow();
    }

    @Test
    void aBrokenVersionEndsWithItsErrorWhileTheOldOneKeepsServing() throws Exception {
        Path base = tmp.resolve("fashion");
        TinyModels.export(base.resolve("1"), 1);
        try (ModelServer server = ModelServer.builder().modelName("fashion").modelBasePath(base).pollInterval(Duration.ZERO)
                .restPort(ModelServer.DISABLED).build().start()) {
            ManagedChannel channel = NettyChannelBuilder.forTarget(server.grpcTarget()).usePlaintext().build();
            try {
                Files.createDirectories(base.resolve("2"));
                Files.writeString(base.resolve("2/saved_model.pb"), "not a SavedModel", StandardCharsets.UTF_8);
                Files.createDirectories(base.resolve(".incoming-3"));
                Files.writeString(base.resolve(".incoming-3/saved_model.pb"), "half-copied", StandardCharsets.UTF_8);

                server.pollNow();

                List<ModelVersionStatus> statuses = ModelServiceGrpc.newBlockingStub(channel).getModelStatus(
                    GetModelStatusRequest.newBuilder().setModelSpec(ModelSpec.newBuilder().setName("fashion")).build())
                    .getModelVersionStatusList();
                assertEquals(2, statuses.size(), statuses.toString());
                ModelVersionStatus broken = status(statuses, 2);
                assertEquals(ModelVersionStatus.State.END, broken.getState());
                assertFalse(broken.getStatus().getErrorMessage().isEmpty());
                assertTrue(broken.getStatus().getErrorMessage().contains(base.resolve("2").toString()),
                    broken.getStatus().getErrorMessage());
                assertEquals(ModelVersionStatus.State.AVAILABLE, status(statuses, 1).getState());

                PredictResponse response = PredictionServiceGrpc.newBlockingStub(channel)
                    .predict(request("fashion", TinyModels.images(1, 1)));
                assertEquals(1, response.getModelSpec().getVersion().getValue());

                server.pollNow();
                assertEquals(VersionState.END, server.versionStatus("fashion").get(1).state(), "a failed load is not retried");
                assertTrue(server.versionStatus("fashion").get(1).failed());
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aNewVersionIsSwappedInWithoutFailingConcurrentPredicts() throws Exception {
        Path base = tmp.resolve("fashion");
        TinyModels.export(base.resolve("1"), 1);
        float[] pixels = TinyModels.images(2, 9);
        try (ModelServer server = ModelServer.builder().modelName("fashion").modelBasePath(base)
                .pollInterval(Duration.ofMillis(100)).restPort(ModelServer.DISABLED).build().start()) {
            ManagedChannel channel = NettyChannelBuilder.forTarget(server.grpcTarget()).usePlaintext().build();
            PredictionServiceGrpc.PredictionServiceBlockingStub stub = PredictionServiceGrpc.newBlockingStub(channel);
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicLong calls = new AtomicLong();
            List<Throwable> failures = new CopyOnWriteArrayList<>();
            Map<Long, float[]> outputs = new ConcurrentHashMap<>();
            List<Thread> clients = List.of(new Thread(() -> {
                while (running.get()) {
                    try {
                        PredictResponse response = stub.predict(request("fashion", pixels));
                        outputs.putIfAbsent(response.getModelSpec().getVersion().getValue(), floats(response));
                        calls.incrementAndGet();
                    } catch (RuntimeException e) {
                        failures.add(e);
                    }
                }
            }), new Thread(() -> {
                while (running.get()) {
                    try {
                        stub.predict(request("fashion", pixels));
                        calls.incrementAndGet();
                    } catch (RuntimeException e) {
                        failures.add(e);
                    }
                }
            }));
            try {
                clients.forEach(Thread::start);
                await().atMost(Duration.ofSeconds(30)).until(() -> outputs.containsKey(1L));

                TinyModels.exportAtomically(base, 2, 2);

                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    List<VersionStatus> statuses = server.versionStatus("fashion");
                    return statuses.size() == 2 && statuses.get(0).state() == VersionState.END
                        && statuses.get(1).state() == VersionState.AVAILABLE;
                });
                long afterSwap = calls.get();
                await().atMost(Duration.ofSeconds(30)).until(() -> calls.get() > afterSwap + 50 && outputs.containsKey(2L));
            } finally {
                running.set(false);
                for (Thread client : clients) {
                    client.join(10_000);
                }
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            assertEquals(List.of(), failures, "no Predict may fail during the swap");
            System.out.printf("Swap under load: %d Predicts, 0 failures%n", calls.get());
            assertArrayEquals(TinyModels.inProcess(base.resolve("1"), pixels), outputs.get(1L), 1e-6f);
            assertArrayEquals(TinyModels.inProcess(base.resolve("2"), pixels), outputs.get(2L), 1e-6f);
            assertFalse(java.util.Arrays.equals(outputs.get(1L), outputs.get(2L)));
            assertFalse(server.versionStatus("fashion").get(0).failed());
        }
    }

    @Test
    void reloadConfigAddsAndRemovesModels() throws Exception {
        Path fashion = tmp.resolve("fashion");
        Path shoes = tmp.resolve("shoes");
        TinyModels.export(fashion.resolve("1"), 1);
        TinyModels.export(shoes.resolve("7"), 3);
        try (ModelServer server = ModelServer.builder().modelName("fashion").modelBasePath(fashion).pollInterval(Duration.ZERO)
                .restPort(ModelServer.DISABLED).build().start()) {
            ManagedChannel channel = NettyChannelBuilder.forTarget(server.grpcTarget()).usePlaintext().build();
            try {
                ModelServiceGrpc.ModelServiceBlockingStub models = ModelServiceGrpc.newBlockingStub(channel);
                models.handleReloadConfigRequest(ReloadConfigRequest.newBuilder().setConfig(config(
                    ModelConfig.newBuilder().setName("fashion").setBasePath(fashion.toString()).setModelPlatform("tensorflow").build(),
                    ModelConfig.newBuilder().setName("shoes").setBasePath(shoes.toString()).setModelPlatform("tensorflow").build()))
                    .build());
                PredictResponse response = PredictionServiceGrpc.newBlockingStub(channel)
                    .predict(request("shoes", TinyModels.images(1, 2)));
                assertEquals(7, response.getModelSpec().getVersion().getValue());
                assertEquals(VersionState.AVAILABLE, server.versionStatus("fashion").get(0).state(), "unchanged model kept loaded");

                models.handleReloadConfigRequest(ReloadConfigRequest.newBuilder().setConfig(config(
                    ModelConfig.newBuilder().setName("shoes").setBasePath(shoes.toString()).build())).build());
                StatusRuntimeException gone = assertThrows(StatusRuntimeException.class, () -> PredictionServiceGrpc
                    .newBlockingStub(channel).predict(request("fashion", TinyModels.images(1, 2))));
                assertEquals(Status.Code.NOT_FOUND, gone.getStatus().getCode());

                StatusRuntimeException bad = assertThrows(StatusRuntimeException.class, () -> models.handleReloadConfigRequest(
                    ReloadConfigRequest.newBuilder().setConfig(config(ModelConfig.newBuilder().setName("x").build())).build()));
                assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    private static ModelServerConfig config(ModelConfig... models) {
        return ModelServerConfig.newBuilder().setModelConfigList(ModelConfigList.newBuilder().addAllConfig(List.of(models))).build();
    }
}
