package org.repro4j.optim;

import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;
import org.repro4j.Check;

/**
 * SGD with heavy-ball momentum (Polyak 1964), as PyTorch's {@code SGD(momentum=mu)} and the
 * pruning and batch-size papers use it: {@code v <- mu * v + g}, {@code w <- w - lr * v}. ND4J has
 * only Nesterov's variant ({@code Nesterovs}). The velocity {@code v} is the updater state, so it
 * is checkpointed and restored with the network.
 */
public final class Momentum implements IUpdater {

    private double learningRate;
    private ISchedule learningRateSchedule;
    private double momentum;

    /** For the JSON reader of DL4J's network configurations. */
    private Momentum() {
    }

    /**
     * @param learningRate the step size, above 0 (ignored where {@code schedule} is not null)
     * @param schedule     the step size by iteration/epoch, or null for a constant one
     * @param momentum     the velocity's decay mu, in [0, 1)
     */
    public Momentum(double learningRate, ISchedule schedule, double momentum) {
        if (schedule == null) {
            Check.positive("learningRate", learningRate);
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum: expected a value in [0, 1), got " + momentum);
        }
        this.learningRate = learningRate;
        this.learningRateSchedule = schedule;
        this.momentum = momentum;
    }

    /** A constant step size. */
    public Momentum(double learningRate, double momentum) {
        this(learningRate, null, momentum);
    }

    /** The velocity's decay mu. */
    public double momentum() {
        return momentum;
    }

    @Override
    public long stateSize(long numParams) {
        return numParams;
    }

    @Override
    public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        var updater = new Updater(this);
        updater.setStateViewArray(viewArray, viewArray.shape(), viewArray.ordering(), initializeViewArray);
        return updater;
    }

    @Override
    public GradientUpdater instantiate(Map<String, INDArray> updaterState, boolean initializeStateArrays) {
        var updater = new Updater(this);
        updater.setState(updaterState, initializeStateArrays);
        return updater;
    }

    @Override
    public Momentum clone() {
        return new Momentum(learningRate, learningRateSchedule == null ? null : learningRateSchedule.clone(), momentum);
    }

    @Override
    public double getLearningRate(int iteration, int epoch) {
        return learningRateSchedule == null ? learningRate : learningRateSchedule.valueAt(iteration, epoch);
    }

    @Override
    public boolean hasLearningRate() {
        return true;
    }

    @Override
    public void setLrAndSchedule(double lr, ISchedule schedule) {
        this.learningRate = lr;
        this.learningRateSchedule = schedule;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Momentum m && m.learningRate == learningRate && m.momentum == momentum
                && Objects.equals(m.learningRateSchedule, learningRateSchedule);
    }

    @Override
    public int hashCode() {
        return Objects.hash(learningRate, learningRateSchedule, momentum);
    }

    @Override
    public String toString() {
        return "Momentum(lr=" + (learningRateSchedule == null ? learningRate : learningRateSchedule) + ", momentum=" + momentum + ")";
    }

    /** The velocity of one block of parameters, a view into the network's updater state. */
    private static final class Updater implements GradientUpdater<Momentum> {
        private static final String VELOCITY = "V";
        private final Momentum config;
        private INDArray velocity;

        Updater(Momentum config) {
            this.config = config;
        }

        @Override
        public Momentum getConfig() {
            return config;
        }

        @Override
        public void setState(Map<String, INDArray> state, boolean initialize) {
            INDArray v = state.get(VELOCITY);
            if (v == null) {
                throw new IllegalArgumentException("updater state: expected an array '" + VELOCITY + "', got " + state.keySet());
            }
            velocity = v;
            if (initialize) {
                velocity.assign(0);
            }
        }

        @Override
        public Map<String, INDArray> getState() {
            return Map.of(VELOCITY, velocity);
        }

        @Override
        public void setStateViewArray(INDArray viewArray, long[] gradientShape, char order, boolean initialize) {
            if (initialize) {
                viewArray.assign(0);
            }
            velocity = viewArray.reshape(order, gradientShape);
        }

        /** Turns the gradient into the step: {@code v = mu v + g}, step {@code lr v}. */
        @Override
        public void applyUpdater(INDArray gradient, int iteration, int epoch) {
            velocity.muli(config.momentum).addi(gradient);
            gradient.assign(velocity).muli(config.getLearningRate(iteration, epoch));
        }
    }
}
