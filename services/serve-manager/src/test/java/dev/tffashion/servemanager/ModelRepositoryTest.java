package dev.tffashion.servemanager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tffashion.pipeline.store.Contents;

/**
 * The model base path layout: atomic installs, growing version numbers claimed atomically (two serve-managers on one folder never
 * collide), versions moved aside, markers.
 */
class ModelRepositoryTest {

    @TempDir
    Path temp;

    @Test
    void versionsAreInstalledUnderGrowingNumbersWithAMarker() throws IOException {
        ModelRepository repository = new ModelRepository(temp.resolve("models/fashion"));
        InstalledVersion first = repository.install(tar(savedModel("a")), "model-a", "sha-a", "0.8");
        InstalledVersion second = repository.install(tar(savedModel("b")), "model-b", "sha-b", null);

        assertThat(first.version()).isEqualTo(1);
        assertThat(second.version()).isEqualTo(2);
        assertThat(repository.basePath().resolve("2/saved_model.pb")).hasContent("b");
        assertThat(repository.live()).map(InstalledVersion::modelValueId).contains("model-b");
        assertThat(repository.findByModelValue("model-a")).map(InstalledVersion::testAccuracy).contains("0.8");
        assertThat(repository.basePath()).isDirectoryNotContaining(p -> p.getFileName().toString().startsWith(".incoming"));
    }

    @Test
    void aVersionMovedAsideKeepsItsNumberAndReason() throws IOException {
        ModelRepository repository = new ModelRepository(temp.resolve("fashion"));
        repository.install(tar(savedModel("a")), "model-a", null, null);
        InstalledVersion bad = repository.install(tar(savedModel("b")), "model-b", null, null);

        repository.moveAside(bad, "failed to load");

        assertThat(repository.live()).map(InstalledVersion::version).contains(1L);
        assertThat(repository.findByModelValue("model-b")).map(InstalledVersion::failure).contains("failed to load");
        assertThat(repository.nextVersion()).isEqualTo(3);
        assertThat(repository.basePath().resolve(".failed-2/saved_model.pb")).exists();
    }

    @Test
    void anArchiveWithoutASavedModelOrNotATarIsRefusedAndLeavesNothingBehind() throws IOException {
        ModelRepository repository = new ModelRepository(temp.resolve("fashion"));
        Path notAModel = Files.createDirectories(temp.resolve("not-a-model"));
        Files.writeString(notAModel.resolve("readme.txt"), "hello");

        assertThatThrownBy(() -> repository.install(tar(notAModel), "model-x", null, null))
                .isInstanceOf(ModelRejectedException.class).hasMessageContaining("holds no SavedModel");
        assertThatThrownBy(() -> repository.install(new ByteArrayInputStream(new byte[4096]), "model-y", null, null))
                .isInstanceOf(ModelRejectedException.class);
        assertThat(repository.versions()).isEmpty();
        try (var entries = Files.list(repository.basePath())) {
            assertThat(entries).isEmpty();
        }
    }

    @Test
    void aSavedModelInsideOneFolderIsAcceptedAndLeftoversAreRemovedAtStart() throws IOException {
        ModelRepository repository = new ModelRepository(temp.resolve("fashion"));
        Path wrapper = Files.createDirectories(temp.resolve("wrapper"));
        Path inner = savedModel("c");
        Files.move(inner, wrapper.resolve("export"));
        Files.createDirectories(repository.basePath().resolve(".incoming-7"));

        repository.prepare();
        InstalledVersion installed = repository.install(tar(wrapper), "model-c", null, null);

        assertThat(installed.version()).isEqualTo(1);
        assertThat(repository.basePath().resolve("1/saved_model.pb")).hasContent("c");
        assertThat(repository.basePath().resolve("1").resolve(ModelRepository.MARKER)).exists();
    }

    @Test
    void twoServeManagersOnOneFolderNeverInstallUnderTheSameNumber() throws Exception {
        Path base = temp.resolve("shared/fashion");
        List<ModelRepository> replicas = List.of(new ModelRepository(base), new ModelRepository(base));
        int threads = 6;
        int each = 8;
        List<byte[]> archives = new ArrayList<>();
        for (int i = 0; i < threads * each; i++) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Contents.writeTar(savedModel("m" + i), out);
            archives.add(out.toByteArray());
        }
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<InstalledVersion>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    ModelRepository repository = replicas.get(thread % 2);
                    start.await(30, TimeUnit.SECONDS);
                    List<InstalledVersion> installed = new ArrayList<>();
                    for (int i = 0; i < each; i++) {
                        int n = thread * each + i;
                        installed.add(repository.install(new ByteArrayInputStream(archives.get(n)), "model-" + n, null, null));
                    }
                    return installed;
                }));
            }
            Map<Long, String> byVersion = new TreeMap<>();
            for (Future<List<InstalledVersion>> result : results) {
                for (InstalledVersion v : result.get(60, TimeUnit.SECONDS)) {
                    assertThat(byVersion.put(v.version(), v.modelValueId())).as("version %d given twice", v.version()).isNull();
                }
            }
            assertThat(byVersion.keySet()).hasSize(threads * each);
            for (Map.Entry<Long, String> entry : byVersion.entrySet()) {
                String model = entry.getValue();
                assertThat(base.resolve(entry.getKey() + "/saved_model.pb")).hasContent("m" + model.substring("model-".length()));
                assertThat(replicas.get(0).findByModelValue(model)).map(InstalledVersion::version).contains(entry.getKey());
            }
            assertThat(base).isDirectoryNotContaining(p -> p.getFileName().toString().startsWith(".incoming"));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aClaimedNumberIsNotGivenAgainAndAReleasedOneIsNotReused() {
        ModelRepository leader = new ModelRepository(temp.resolve("fashion"));
        ModelRepository other = new ModelRepository(temp.resolve("fashion"));
        long first = leader.claimVersion();
        long second = other.claimVersion();

        assertThat(first).isEqualTo(1);
        assertThat(second).isEqualTo(2);
        assertThat(leader.basePath().resolve(".incoming-1")).isDirectory();
        leader.release(first);
        assertThat(leader.basePath().resolve(".incoming-1")).doesNotExist();
        assertThat(leader.claimVersion()).isEqualTo(3);
        assertThatThrownBy(() -> leader.install(7, tar(savedModel("x")), "model-x", null, null))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("was not claimed");
    }

    private Path savedModel(String content) throws IOException {
        Path dir = Files.createDirectories(temp.resolve("src-" + content));
        Files.writeString(dir.resolve("saved_model.pb"), content);
        Files.createDirectories(dir.resolve("variables"));
        Files.write(dir.resolve("variables/variables.index"), content.getBytes(StandardCharsets.UTF_8));
        return dir;
    }

    private static InputStream tar(Path dir) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Contents.writeTar(dir, out);
        return new ByteArrayInputStream(out.toByteArray());
    }
}
