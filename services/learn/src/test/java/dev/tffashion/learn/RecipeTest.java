package dev.tffashion.learn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class RecipeTest {

    private static Recipe parse(String yaml) {
        return Recipe.parse(yaml.getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> problems(String yaml) {
        return problems(yaml.getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> problems(byte[] content) {
        return assertThrows(RecipeException.class, () -> Recipe.parse(content)).problems();
    }

    @Test
    void parsesAFullRecipe() {
        Recipe recipe = parse("""
            # a comment
            model: cnn
            epochs: 3
            batchSize: 32
            learningRate: 5e-4
            seed: -7
            maxTrainExamples: 1000
            """);
        Recipe cnn = Recipe.defaults(ModelKind.CNN);
        assertEquals(new Recipe(ModelKind.CNN, 3, 32, 0.0005, -7, OptionalInt.of(1000), cnn.width(), cnn.batchNorm(),
            cnn.augmentation(), cnn.validationSplit(), cnn.patience(), cnn.threads()), recipe);
    }

    @Test
    void fillsMissingFieldsFromTheModelsDefaults() {
        assertEquals(Recipe.defaults(ModelKind.MLP), parse("model: mlp\n"));
        assertEquals(Recipe.defaults(ModelKind.CNN), parse("\uFEFFmodel: CNN"));
    }

    @Test
    void theSampleRecipesAreTheDefaults() throws IOException {
        Path samples = Path.of("../../samples/recipes");
        assertEquals(Recipe.defaults(ModelKind.MLP), Recipe.parse(Files.readAllBytes(samples.resolve("mlp.yaml"))));
        assertEquals(Recipe.defaults(ModelKind.CNN), Recipe.parse(Files.readAllBytes(samples.resolve("cnn.yaml"))));
        assertEquals(OptionalInt.of(5000), Recipe.parse(Files.readAllBytes(samples.resolve("quick.yaml"))).maxTrainExamples());
        Recipe demo = Recipe.parse(Files.readAllBytes(samples.resolve("demo.yaml")));
        assertEquals(ModelKind.CNN, demo.model());
        assertTrue(demo.batchNorm());
    }

    @Test
    void roundTripsThroughYaml() {
        Recipe recipe = new Recipe(ModelKind.MLP, 2, 10, 0.01, 3, OptionalInt.of(50));
        assertEquals(recipe, Recipe.parse(recipe.toYaml().getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void carriesTheRolloutPolicyAndRoundTripsIt() {
        Recipe recipe = parse("model: mlp\nepochs: 1\nmaxTrainExamples: 500\nrollout: Shadow\n");
        assertEquals(dev.tffashion.pipeline.contracts.RolloutPolicy.SHADOW, recipe.rollout());
        assertEquals(OptionalInt.of(500), recipe.maxTrainExamples());
        assertEquals(recipe, Recipe.parse(recipe.toYaml().getBytes(StandardCharsets.UTF_8)));
        assertEquals(null, parse("model: mlp\n").rollout(), "no rollout: the serve-manager's policy applies");
    }

    @Test
    void rejectsAnUnknownRolloutSayingTheChoices() {
        List<String> problems = problems("model: mlp\nrollout: sometimes\n");
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("line 2") && problems.get(0).contains("[immediate, shadow, canary]"), problems.get(0));
    }

    @Test
    void rejectsAnUnsupportedModel() {
        assertEquals(List.of("line 1: model 'transformer' is not supported; use mlp or cnn"), problems("model: transformer\n"));
    }

    @Test
    void rejectsAMissingModel() {
        assertEquals(List.of("line 1: field 'model' is missing; use mlp or cnn"), problems("epochs: 3\n"));
    }

    @Test
    void rejectsNegativeEpochs() {
        assertEquals(List.of("line 2: epochs -2 is out of range; use a whole number from 1 to 1000"),
            problems("model: mlp\nepochs: -2\n"));
    }

    @Test
    void rejectsNonNumbersAndBadRanges() {
        List<String> problems = problems("""
            model: mlp
            epochs: ten
            batchSize: 0
            learningRate: 2
            seed: 1.5
            maxTrainExamples: 60001
            """);
        assertEquals(List.of(
            "line 2: epochs 'ten' is not a whole number; use a whole number from 1 to 1000",
            "line 3: batchSize 0 is out of range; use a whole number from 1 to 4096",
            "line 4: learningRate 2 is out of range; use a number greater than 0 and at most 1, e.g. 0.001",
            "line 5: seed '1.5' is not a whole number; use a whole number, e.g. 42",
            "line 6: maxTrainExamples 60001 is out of range; use a whole number from 1 to 60000"), problems);
    }

    @Test
    void parsesTheTrainingFeatures() {
        Recipe recipe = parse("""
            model: cnn
            width: 24
            batchNorm: false
            augmentFlip: true
            augmentShift: 3
            augmentScale: 0.15
            validationSplit: 0.1
            patience: 2
            threads: 2
            """);
        assertEquals(24, recipe.width());
        assertEquals(false, recipe.batchNorm());
        assertEquals(new Recipe.Augmentation(true, 3, 0.15), recipe.augmentation());
        assertEquals(0.1, recipe.validationSplit());
        assertEquals(2, recipe.patience());
        assertEquals(2, recipe.threads());
        assertEquals(0, parse("model: mlp\nthreads: auto\n").threads());
        assertEquals(recipe, parse(recipe.toYaml()));
    }

    @Test
    void rejectsBadTrainingFeaturesSayingWhatToUse() {
        List<String> problems = problems("""
            model: cnn
            width: 2
            batchNorm: maybe
            augmentFlip: 1
            augmentShift: 9
            augmentScale: 0.5
            validationSplit: 0.9
            patience: -1
            threads: many
            """);
        assertEquals(List.of(
            "line 2: width 2 is out of range; use a whole number from 4 to 1024",
            "line 3: batchNorm 'maybe' is not true or false; use true or false",
            "line 4: augmentFlip '1' is not true or false; use true or false",
            "line 5: augmentShift 9 is out of range; use a whole number from 0 to 4",
            "line 6: augmentScale 0.5 is out of range; use a number from 0 to 0.3, e.g. 0.1 for 90 % to 110 %",
            "line 7: validationSplit 0.9 is out of range; use a number from 0 to 0.5, e.g. 0.1 to hold out 10 % of the training "
                + "images; 0 for none",
            "line 8: patience -1 is out of range; use a whole number from 0 to 1000",
            "line 9: threads 'many' is not a whole number; use auto (one per available core) or a whole number from 1 to 256"),
            problems);
        assertEquals(List.of("line 1: threads 0 is out of range; use auto (one per available core) or a whole number from 1 to 256"),
            problems("threads: 0\nmodel: mlp\n"));
    }

    @Test
    void rejectsEarlyStoppingWithoutAValidationSplit() {
        assertEquals(List.of("line 2: patience 3 stops early when the validation accuracy stops improving, but there is no "
            + "validation split; set validationSplit (e.g. 0.1) or patience: 0"), problems("model: mlp\npatience: 3\n"));
        assertEquals(List.of("line 3: validationSplit 0.1 of 5 training images holds out no image; raise validationSplit or "
            + "maxTrainExamples"), problems("model: mlp\nmaxTrainExamples: 5\nvalidationSplit: 0.1\n"));
    }

    @Test
    void rejectsUnknownAndDuplicateFields() {
        List<String> problems = problems("model: mlp\nepoch: 3\nmodel: cnn\n");
        assertEquals(List.of(
            "line 2: unknown field 'epoch' (did you mean 'epochs'?); the fields are model, epochs, batchSize, learningRate, seed, "
                + "maxTrainExamples, width, batchNorm, augmentFlip, augmentShift, augmentScale, validationSplit, patience, threads, "
                + "rollout",
            "line 3: field 'model' is given twice (first on line 1)"), problems);
    }

    @Test
    void rejectsAListWhereAValueBelongs() {
        assertEquals(List.of("line 2: epochs must be a single value, not a list"), problems("model: mlp\nepochs: [1, 2]\n"));
    }

    @Test
    void rejectsUnparseableYamlWithTheParsersLine() {
        List<String> problems = problems("model: mlp\nepochs: 3\n  batchSize: [1\n");
        assertEquals(1, problems.size());
        assertTrue(problems.get(0).startsWith("line 3, column "), problems.get(0));
        assertTrue(problems.get(0).contains("the recipe is not valid YAML: "), problems.get(0));
    }

    @Test
    void rejectsAScalarDocument() {
        assertEquals(List.of("line 1: a recipe is a YAML mapping of fields (model, epochs, batchSize, learningRate, seed, "
            + "maxTrainExamples, width, batchNorm, augmentFlip, augmentShift, augmentScale, validationSplit, patience, threads, rollout), "
            + "not the single value 'hello world'"), problems("hello world"));
    }

    @Test
    void rejectsEmptyContent() {
        assertTrue(problems("").get(0).startsWith("the recipe is empty"));
        assertTrue(problems("# only a comment\n").get(0).startsWith("the recipe is empty"));
    }

    @Test
    void rejectsBinaryContent() {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13};
        assertEquals(List.of("the recipe is binary data (a zero byte at offset 8), not YAML text; send a UTF-8 YAML file such as "
            + "samples/recipes/mlp.yaml"), problems(png));
    }

    @Test
    void rejectsNonUtf8Text() {
        byte[] latin1 = "model: mlp\n# caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(List.of("the recipe is not UTF-8 text (invalid byte 0xe9 at offset 16, line 2); save it as UTF-8"),
            problems(latin1));
    }

    @Test
    void rejectsOversizedContent() {
        byte[] big = new byte[Recipe.MAX_BYTES + 1];
        Arrays.fill(big, (byte) ' ');
        assertTrue(problems(big).get(0).contains("at most 65536 bytes"));
    }
}
