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

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tffashion.pipeline.store.Contents;

/** The model base path layout: atomic installs, growing version numbers, versions moved aside, markers. */
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
