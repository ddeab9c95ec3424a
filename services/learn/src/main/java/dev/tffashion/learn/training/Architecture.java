package dev.tffashion.learn.training;

import dev.tffashion.learn.ModelKind;
import dev.tffashion.learn.Recipe;

/**
 * The shape of a network: what {@link Network} needs to build the same graph for training and for inference.
 *
 * @param width     hidden units of the MLP, filters of the CNN's first convolution (its second has twice as many)
 * @param batchNorm batch normalisation after each hidden layer
 */
public record Architecture(ModelKind kind, int width, boolean batchNorm) {

    /** The architecture a recipe trains. */
    public static Architecture of(Recipe recipe) {
        return new Architecture(recipe.model(), recipe.width(), recipe.batchNorm());
    }
}
