package dev.tffashion.learn.training;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Gradients;
import org.tensorflow.op.core.Identity;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * Adam (Kingma and Ba) over TensorFlow's {@code ApplyAdam} kernel, with the learning rate fed at every step so that a
 * schedule can drive it (the framework's {@code Adam} bakes a constant rate into the graph). The updates wait for every
 * gradient: the variables are read by reference, so an early update would leak into the backward pass of other layers
 * (a race that also made runs unrepeatable).
 */
final class AdamOptimizer {

    static final float BETA1 = 0.9f;
    static final float BETA2 = 0.999f;
    static final float EPSILON = 1e-7f;

    private final Placeholder<TFloat32> learningRate;
    private final Placeholder<TFloat32> beta1Power;
    private final Placeholder<TFloat32> beta2Power;
    private final Op update;

    private AdamOptimizer(Placeholder<TFloat32> learningRate, Placeholder<TFloat32> beta1Power, Placeholder<TFloat32> beta2Power,
        Op update) {
        this.learningRate = learningRate;
        this.beta1Power = beta1Power;
        this.beta2Power = beta2Power;
        this.update = update;
    }

    /** Adds the gradients of {@code loss} and one Adam update per variable (moments start at zero, in the init scope). */
    static AdamOptimizer minimize(Ops tf, Operand<TFloat32> loss, List<Variable<TFloat32>> variables) {
        Ops adam = tf.withSubScope("adam");
        Ops init = adam.withInitScope();
        Placeholder<TFloat32> learningRate = adam.placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
        Placeholder<TFloat32> beta1Power = adam.placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
        Placeholder<TFloat32> beta2Power = adam.placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
        Gradients gradients = adam.gradients(loss, variables);
        Operand<TFloat32> beta1 = adam.constant(BETA1);
        Operand<TFloat32> beta2 = adam.constant(BETA2);
        Operand<TFloat32> epsilon = adam.constant(EPSILON);
        List<Identity<TFloat32>> grads = new ArrayList<>();
        for (int i = 0; i < variables.size(); i++) {
            grads.add(adam.identity(gradients.<TFloat32>dy(i)));
        }
        Ops afterGradients = adam.withControlDependencies(List.copyOf(grads));
        List<Op> updates = new ArrayList<>();
        for (int i = 0; i < variables.size(); i++) {
            Variable<TFloat32> variable = variables.get(i);
            Variable<TFloat32> m = init.variable(init.zeros(init.constant(variable.shape()), TFloat32.class));
            Variable<TFloat32> v = init.variable(init.zeros(init.constant(variable.shape()), TFloat32.class));
            updates.add(afterGradients.train.applyAdam(variable, m, v, beta1Power, beta2Power, learningRate, beta1, beta2, epsilon,
                grads.get(i)));
        }
        return new AdamOptimizer(learningRate, beta1Power, beta2Power, adam.withControlDependencies(updates).noOp());
    }

    /** Adds step {@code step} (from 1) at rate {@code rate} to a runner; the caller closes the returned scalars after the run. */
    List<TFloat32> feed(Session.Runner runner, long step, float rate) {
        TFloat32 lr = TFloat32.scalarOf(rate);
        TFloat32 b1 = TFloat32.scalarOf((float) Math.pow(BETA1, step));
        TFloat32 b2 = TFloat32.scalarOf((float) Math.pow(BETA2, step));
        runner.feed(learningRate, lr).feed(beta1Power, b1).feed(beta2Power, b2).addTarget(update);
        return List.of(lr, b1, b2);
    }
}
