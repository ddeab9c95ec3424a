package dev.tffashion.modelserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** tensorflow_model_server's flags, in both --flag=value and --flag value forms. */
class ModelServerFlagsTest {

    @Test
    void parsesBothForms() {
        ModelServerFlags flags = ModelServerFlags.parse("--port=8500", "--rest_api_port", "8501", "--model_name=fashion",
            "--model_base_path", "/models/fashion", "--file_system_poll_wait_seconds=2", "--rest_api_timeout_in_ms", "60000");
        assertEquals(8500, flags.port());
        assertEquals(8501, flags.restApiPort());
        assertEquals("fashion", flags.modelName());
        assertEquals("/models/fashion", flags.modelBasePath());
        assertEquals(2, flags.pollWaitSeconds());
        assertEquals(60000, flags.restApiTimeoutMillis(), "as KServe's TF Serving runtime passes it");
        assertEquals("0.0.0.0", flags.host());
    }

    @Test
    void defaultsAreTfServings() {
        ModelServerFlags flags = ModelServerFlags.parse("--model_base_path=/m");
        assertEquals(8500, flags.port());
        assertEquals(0, flags.restApiPort());
        assertEquals("default", flags.modelName());
        assertEquals(1, flags.pollWaitSeconds());
        assertEquals(30000, flags.restApiTimeoutMillis());
        assertEquals(0, flags.intraOpParallelism(), "TensorFlow's choice");
        assertEquals(0, flags.interOpParallelism(), "TensorFlow's choice");
    }

    @Test
    void sessionParallelismAppliesWhenNeitherIntraNorInterOpIsSetAsInTfServing() {
        ModelServerFlags both = ModelServerFlags.parse("--model_base_path=/m", "--tensorflow_intra_op_parallelism=3",
            "--tensorflow_inter_op_parallelism=1");
        assertEquals(3, both.intraOpParallelism());
        assertEquals(1, both.interOpParallelism());
        ModelServerFlags session = ModelServerFlags.parse("--model_base_path=/m", "--tensorflow_session_parallelism=2",
            "--tensorflow_intra_op_parallelism=4");
        assertEquals(4, session.intraOpParallelism());
        assertEquals(0, session.interOpParallelism(), "TensorFlow's choice: tensorflow_model_server ignores the session's here");
        ModelServerFlags alone = ModelServerFlags.parse("--model_base_path=/m", "--tensorflow_session_parallelism=2");
        assertEquals(2, alone.intraOpParallelism());
        assertEquals(2, alone.interOpParallelism());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelServerFlags.parse("--model_base_path=/m",
            "--tensorflow_session_parallelism=2", "--tensorflow_intra_op_parallelism=4", "--tensorflow_inter_op_parallelism=1"))
            .getMessage().contains("not all three"));
    }

    @Test
    void aConfigFileWinsOverNameAndBasePathAsInTfServing() {
        // tensorflow/serving's entry point passes --model_name and --model_base_path before the container's own arguments
        ModelServerFlags flags = ModelServerFlags.parse("--model_name=fashion", "--model_base_path=/models/fashion",
            "--model_config_file=/models/models.config");
        assertEquals("/models/models.config", flags.modelConfigFile());
        assertNull(flags.modelBasePath(), "ignored, as tensorflow_model_server ignores it");
        assertEquals("default", flags.modelName());
    }

    @Test
    void corsSupportIsABooleanFlagOffByDefaultAsInTfServing() {
        assertEquals(false, ModelServerFlags.parse("--model_base_path=/m").restApiEnableCorsSupport());
        assertEquals(true, ModelServerFlags.parse("--model_base_path=/m", "--rest_api_enable_cors_support").restApiEnableCorsSupport());
        assertEquals(true, ModelServerFlags.parse("--model_base_path=/m", "--rest_api_enable_cors_support=true")
            .restApiEnableCorsSupport());
        assertEquals(false, ModelServerFlags.parse("--model_base_path=/m", "--rest_api_enable_cors_support=false")
            .restApiEnableCorsSupport());
    }

    @Test
    void versionNeedsNoModelAndGrpcThreadsDefaultToGrpcsChoice() {
        ModelServerFlags version = ModelServerFlags.parse("--version");
        assertTrue(version.version());
        assertEquals(0, version.grpcMaxThreads());
        assertEquals(8, ModelServerFlags.parse("--model_base_path=/m", "--grpc_max_threads", "8").grpcMaxThreads());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelServerFlags.parse("--model_base_path=/m",
            "--grpc_max_threads=-1")).getMessage().contains("--grpc_max_threads must be between 0"));
    }

    @Test
    void grpcChannelArgumentsAreKeyValuePairsAsInTfServing() {
        assertEquals(Map.of("grpc.max_connection_age_ms", "2000", "grpc.keepalive_time_ms", "10000"), ModelServerFlags.parse(
            "--model_base_path=/m", "--grpc_channel_arguments=grpc.max_connection_age_ms=2000,grpc.keepalive_time_ms=10000")
            .grpcChannelArguments());
        assertEquals(Map.of(), ModelServerFlags.parse("--model_base_path=/m").grpcChannelArguments());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelServerFlags.parse("--model_base_path=/m",
            "--grpc_channel_arguments=grpc.max_connection_age_ms")).getMessage().contains("takes key=value pairs"));
    }

    @Test
    void warmupIterationsAreOneUnlessAboveZeroAsInTfServing() {
        assertEquals(1, ModelServerFlags.parse("--model_base_path=/m").warmupIterations());
        assertEquals(1, ModelServerFlags.parse("--model_base_path=/m", "--num_request_iterations_for_warmup=0").warmupIterations());
        assertEquals(5, ModelServerFlags.parse("--model_base_path=/m", "--num_request_iterations_for_warmup=5").warmupIterations());
    }

    @Test
    void savedModelTagsAreCommaSeparatedAndServeByDefault() {
        assertEquals(Set.of("serve"), ModelServerFlags.parse("--model_base_path=/m").savedModelTags());
        assertEquals(Set.of("serve", "gpu"), ModelServerFlags.parse("--model_base_path=/m", "--saved_model_tags=serve, gpu")
            .savedModelTags());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelServerFlags.parse("--model_base_path=/m",
            "--saved_model_tags=serve,")).getMessage().contains("--saved_model_tags takes tags separated by commas"));
    }

    @Test
    void badInputIsNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class,
            () -> ModelServerFlags.parse("--model_base_path=/m", "--enable_batching=maybe")).getMessage().contains("--enable_batching"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelServerFlags.parse("--model_base_path=/m", "--port=x"))
            .getMessage().contains("--port"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelServerFlags.parse("--model_base_path=/m",
            "--rest_api_timeout_in_ms=0")).getMessage().contains("--rest_api_timeout_in_ms must be between 1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelServerFlags.parse("--model_base_path=/m",
            "--ssl_config_file=/ssl.config")).getMessage().contains("a flag of tensorflow_model_server that this model server"
            + " does not implement; remove it"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelServerFlags.parse("--model_base_path=/m", "--prot=1"))
            .getMessage().contains("Unknown flag --prot"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelServerFlags.parse("--model_base_path"))
            .getMessage().contains("needs a value"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelServerFlags.parse("--port=8500"))
            .getMessage().contains("--model_base_path"));
    }
}
