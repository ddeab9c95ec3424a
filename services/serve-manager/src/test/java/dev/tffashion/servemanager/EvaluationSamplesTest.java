package dev.tffashion.servemanager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Reading evaluation samples in the shapes a producer may write, and comparing served answers with them. */
class EvaluationSamplesTest {

    @Test
    void nestedAndFlatImagesAndAWrappingObjectAreRead() {
        String nested = "[{\"index\": 3, \"label\": 1, \"image\": " + rows(28, 28) + ", \"probabilities\": [0.25, 0.75]}]";
        String flat = "{\"samples\": [{\"image\": " + flatImage() + ", \"expected\": [1.0]}]}";

        List<EvaluationSamples.Sample> a = EvaluationSamples.parse(nested.getBytes(StandardCharsets.UTF_8));
        List<EvaluationSamples.Sample> b = EvaluationSamples.parse(flat.getBytes(StandardCharsets.UTF_8));

        assertThat(a).singleElement().satisfies(s -> {
            assertThat(s.index()).isEqualTo(3);
            assertThat(s.label()).isEqualTo(1);
            assertThat(s.image()).hasSize(784);
            assertThat(s.image()[29]).isEqualTo(0.5f);
            assertThat(s.probabilities()).containsExactly(0.25f, 0.75f);
        });
        assertThat(b).singleElement().satisfies(s -> assertThat(s.index()).isZero());
    }

    @Test
    void learnsRawPixelsAreScaledTo01AsTheModelReadsThem() {
        StringBuilder pixels = new StringBuilder("[");
        for (int i = 0; i < 784; i++) {
            pixels.append(i == 0 ? "" : ",").append(i == 1 ? "51" : i == 2 ? "255" : "0");
        }
        String json = "{\"signature\": \"serving_default\", \"input\": \"images\", \"samples\": [{\"testIndex\": 19, \"label\": 4, "
                + "\"className\": \"Coat\", \"pixels\": " + pixels + "], \"probabilities\": [0.5, 0.5], \"predicted\": 0}]}";

        EvaluationSamples.Sample sample = EvaluationSamples.parse(json.getBytes(StandardCharsets.UTF_8)).get(0);

        assertThat(sample.index()).isEqualTo(19);
        assertThat(sample.label()).isEqualTo(4);
        assertThat(sample.image()[1]).isEqualTo(51 / 255f);
        assertThat(sample.image()[2]).isEqualTo(1f);
    }

    @Test
    void aWrongImageSizeIsNamed() {
        String json = "[{\"image\": [[0.1, 0.2]], \"probabilities\": [1]}]";
        assertThatThrownBy(() -> EvaluationSamples.parse(json.getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("sample 0 image has 2 values; expected 784");
    }

    @Test
    void answersWithinTheToleranceAgreeAndOthersAreNamed() {
        List<EvaluationSamples.Sample> samples = List.of(new EvaluationSamples.Sample(5, 2, new float[784], new float[] {0.1f, 0.9f}));

        assertThat(SampleCheck.compare(samples, new float[][] {{0.10005f, 0.89995f}}, 1e-4)).isLessThan(1e-4);
        assertThatThrownBy(() -> SampleCheck.compare(samples, new float[][] {{0.2f, 0.8f}}, 1e-4))
                .isInstanceOf(ModelRejectedException.class).hasMessageContaining("sample 5 (label 2), class 0");
    }

    private static String rows(int rows, int cols) {
        StringBuilder json = new StringBuilder("[");
        for (int r = 0; r < rows; r++) {
            json.append(r == 0 ? "" : ",").append('[');
            for (int c = 0; c < cols; c++) {
                json.append(c == 0 ? "" : ",").append(r == 1 && c == 1 ? "0.5" : "0");
            }
            json.append(']');
        }
        return json.append(']').toString();
    }

    private static String flatImage() {
        StringBuilder json = new StringBuilder("[");
        for (int i = 0; i < 784; i++) {
            json.append(i == 0 ? "" : ",").append("0.0");
        }
        return json.append(']').toString();
    }
}
