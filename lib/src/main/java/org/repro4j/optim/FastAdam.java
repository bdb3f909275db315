package org.repro4j.optim;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.schedule.ISchedule;
import org.repro4j.Check;
import org.repro4j.HostArrays;

/**
 * ND4J's {@link Adam} (Kingma and Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, Algorithm 1,
 * in ND4J's form: epsilon added to sqrt(v) before the bias correction), with the same values to the bit
 * and a faster update on the CPU: float parameters are updated by a Java loop that does libnd4j's
 * {@code adam_updater} arithmetic in its order, in float, instead of by that op, which took 11 ns a
 * parameter (3.3 ms for LeNet-300-100's 266k parameters, as long as all its matrix products in a step
 * at batch 60) where the loop takes about 4.5 ns. Everything else (double parameters, another backend,
 * a non-contiguous view) goes to the op. The state ("M", "V") and the network configuration are
 * ND4J Adam's, so a net can be saved, restored and resumed like one built with {@code Adam}.
 *
 * <p>DL4J divides a network's gradient by the batch size in a pass of its own before the updater runs;
 * {@link #divideNextGradientBy} lets the caller that would have done that ({@code OwnGradientUpdaters}) leave the
 * division to this updater's pass instead, with the same float division and so the same bits.
 */
public class FastAdam extends Adam {

    /** For the JSON reader of DL4J's network configurations; the defaults of ND4J's Adam. */
    public FastAdam() {
        super();
    }

    /** The default betas (0.9, 0.999) and epsilon (1e-8). */
    public FastAdam(double learningRate) {
        this(learningRate, DEFAULT_ADAM_BETA1_MEAN_DECAY, DEFAULT_ADAM_BETA2_VAR_DECAY, DEFAULT_ADAM_EPSILON);
    }

    /** A learning rate by iteration or epoch; the default betas and epsilon. */
    public FastAdam(ISchedule schedule) {
        super(schedule);
    }

    /**
     * @param learningRate the step size, above 0
     * @param beta1        decay of the gradient's moving mean, in [0, 1)
     * @param beta2        decay of the squared gradient's moving mean, in [0, 1)
     * @param epsilon      added to sqrt(v), above 0
     */
    public FastAdam(double learningRate, double beta1, double beta2, double epsilon) {
        super(Check.positive("learningRate", learningRate), decay("beta1", beta1), decay("beta2", beta2),
                Check.positive("epsilon", epsilon));
    }

    private static double decay(String name, double beta) {
        if (!(beta >= 0 && beta < 1)) {
            throw new IllegalArgumentException(name + ": expected a value in [0, 1), got " + beta);
        }
        return beta;
    }

    @Override
    public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        var updater = new Updater(this);
        // the view holds m and v side by side, 2n values: each is [1, n], as in ND4J's Adam
        updater.setStateViewArray(viewArray, new long[] {1, viewArray.length() / 2}, viewArray.ordering(), initializeViewArray);
        return updater;
    }

    @Override
    public GradientUpdater instantiate(Map<String, INDArray> updaterState, boolean initializeStateArrays) {
        var updater = new Updater(this);
        updater.setState(updaterState, initializeStateArrays);
        return updater;
    }

    @Override
    public FastAdam clone() {
        var copy = new FastAdam();
        copy.setLrAndSchedule(getLearningRate(), getLearningRateSchedule() == null ? null : getLearningRateSchedule().clone());
        copy.setBeta1(getBeta1());
        copy.setBeta2(getBeta2());
        copy.setEpsilon(getEpsilon());
        return copy;
    }

    @Override
    public String toString() {
        return "Fast" + super.toString();
    }

    /**
     * Whether the step on these arrays is done in Java: on the CPU backend, for float arrays each in one run of
     * memory, with the same layout (vectors of one length, or one shape and order).
     */
    static boolean inJava(INDArray gradient, INDArray m, INDArray v) {
        for (INDArray a : new INDArray[] {gradient, m, v}) {
            boolean sameLayout = a.isVector() && gradient.isVector() && a.length() == gradient.length()
                    || Arrays.equals(a.shape(), gradient.shape()) && a.ordering() == gradient.ordering();
            if (a.dataType() != DataType.FLOAT || !HostArrays.contiguous(a) || !sameLayout) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code updater} is this optimiser's, which can take the division by the batch size into its step. */
    public static boolean dividesGradients(GradientUpdater updater) {
        return updater instanceof Updater;
    }

    /**
     * Has {@code updater} (one of this optimiser's: {@link #dividesGradients}) divide the next gradient it is given
     * by {@code batchSize} before its step, as DL4J's {@code divi(batchSize)} would have: once, then no more.
     *
     * @throws IllegalArgumentException if {@code updater} is not this optimiser's or {@code batchSize} is below 1
     */
    public static void divideNextGradientBy(GradientUpdater updater, int batchSize) {
        if (!(updater instanceof Updater u)) {
            throw new IllegalArgumentException("updater: expected FastAdam's, got " + (updater == null ? "null" : updater.getClass().getName()));
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize: expected 1 or more, got " + batchSize);
        }
        u.nextDivisor = batchSize;
    }

    /** ND4J's Adam updater, its step done in Java where the arrays allow. */
    private static final class Updater extends AdamUpdater {

        /** Elements a pass copies in and out at a time: three chunks of 16 KB stay in the first-level cache. */
        static final int CHUNK = 4096;

        /**
         * The Java copies of a chunk of gradient, m and v, kept per thread for the next step: the whole arrays (3.2 MB for
         * LeNet-300-100) went through memory three times, copied in, updated and copied back.
         */
        private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[3][CHUNK]);

        /** What the next gradient is to be divided by before the step ({@link #divideNextGradientBy}); 1: not at all. */
        private int nextDivisor = 1;

        Updater(Adam config) {
            super(config);
        }

        @Override
        public void applyUpdater(INDArray gradient, int iteration, int epoch) {
            INDArray m = getM(), v = getV();
            int divisor = nextDivisor;
            nextDivisor = 1;
            if (!inJava(gradient, m, v)) {
                if (divisor != 1) {
                    gradient.divi(divisor);
                }
                super.applyUpdater(gradient, iteration, epoch);
                return;
            }
            Adam config = getConfig();
            float lr = (float) config.getLearningRate(iteration, epoch), beta1 = (float) config.getBeta1();
            float beta2 = (float) config.getBeta2(), epsilon = (float) config.getEpsilon();
            // libnd4j's updaterAdam.cpp, float throughout: the bias-corrected step size first ...
            float t = (float) iteration + 1;
            float beta1T = (float) Math.pow(beta1, t), beta2T = (float) Math.pow(beta2, t);
            float step = (float) ((lr * (float) Math.sqrt((float) (1. - beta2T))) / (1.0 - beta1T));
            if (Float.isNaN(step) || step == 0 || Float.isInfinite(step)) {
                step = epsilon;
            }
            // ... then m, v and the update of each parameter, in the op's order of operations, on Java copies of a
            // chunk at a time (a loop on the native buffers themselves measured 1.5-1.7 ms for 266k parameters, against 0.7-0.9)
            FloatBuffer g = HostArrays.floats(gradient), mb = HostArrays.floats(m), vb = HostArrays.floats(v);
            int n = (int) gradient.length();
            float[][] scratch = SCRATCH.get();
            float[] gs = scratch[0], ms = scratch[1], vs = scratch[2];
            float d = divisor;  // x / 1 is x: no division asked for leaves the gradient as it is
            for (int from = 0; from < n; from += CHUNK) {
                int length = Math.min(CHUNK, n - from);
                g.get(from, gs, 0, length);
                mb.get(from, ms, 0, length);
                vb.get(from, vs, 0, length);
                for (int i = 0; i < length; i++) {
                    float gi = gs[i] / d;
                    float mi = beta1 * ms[i] + gi * (1 - beta1);
                    float vi = beta2 * vs[i] + gi * gi * (1 - beta2);
                    ms[i] = mi;
                    vs[i] = vi;
                    gs[i] = (mi * step) / ((float) Math.sqrt(vi) + epsilon);
                }
                g.put(from, gs, 0, length);
                mb.put(from, ms, 0, length);
                vb.put(from, vs, 0, length);
            }
        }
    }
}
