package org.repro4j.models;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.MultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.repro4j.optim.FastAdam;

/**
 * DL4J's updaters for a {@link MultiLayerNetwork} and a {@link ComputationGraph} that recognise the network's own
 * gradient.
 *
 * <p>DL4J 1.0.0-M2.1's {@code BaseMultiLayerUpdater.update} takes its standard path, which works on views of the
 * parameters and gradients made once, only when the gradient it is given is the network's flattened gradient array
 * itself ({@code ==}). But {@code DefaultGradient.gradient()} returns a new reshaped view of that array on every call,
 * so every step took the path meant for a gradient computed in another network: it made the views again, about 30
 * new arrays a step for LeNet-300-100 (the minibatch division's subsets, each updater block's slice, and each
 * parameter's slice twice for regularization, even with none configured). A profile of LeNet-300-100's training
 * step at batch 60 put 9% of the training thread in that regularization alone, and 4.5% in the division by the batch
 * size through its new views; the step went from 2.16-2.54 ms to 1.72-1.89 ms with this (README, Performance).
 *
 * <p>Here a gradient that is a view of the network's own gradient memory goes down the standard path; any other goes
 * down DL4J's. Both paths do the same arithmetic on the same memory, so the values are the same to the bit (tests:
 * plain, batch-normalised, regularised and clipped networks of both kinds).
 *
 * <p>When every parameter is updated by {@link FastAdam}, divided by the batch size (no batch-norm statistics), and
 * neither regularized nor clipped, the division by the batch size DL4J does in a pass of its own before the updaters
 * is left to FastAdam's pass ({@link FastAdam#divideNextGradientBy}): the same float division, so the same bits, and
 * one pass over the gradient fewer (2.5% of LeNet-300-100's training step at batch 60 in a {@code perf} profile).
 *
 * <p>{@link #install} puts one into a network about to train: {@code Trainer}, {@code TimeMlp} and {@code UNet} call it
 * before DL4J's {@code fit}. Not earlier, as an updater holds its state from the start (Adam: two numbers a
 * parameter), which a network that only scores or evaluates never needs. The system property {@value #PROPERTY} set to
 * {@code false} turns it off.
 */
public final class OwnGradientUpdaters {

    /** System property: {@code false} leaves DL4J's updaters in place. */
    public static final String PROPERTY = "repro4j.ownGradientUpdater";

    private OwnGradientUpdaters() {
    }

    /**
     * Gives {@code net} one of these before it trains: in place of DL4J's updater with its state (the same array, not a
     * copy) if it has one, else a new one (what DL4J's first {@code fit} would make). Nothing happens if it has one
     * already, or for other models; cheap enough to call before every step.
     */
    public static void install(Model net) {
        if (!Boolean.parseBoolean(System.getProperty(PROPERTY, "true"))) {
            return;
        }
        if (net instanceof MultiLayerNetwork m && m.getLayers() != null && !(m.getUpdater(false) instanceof ForMultiLayer)) {
            Updater old = m.getUpdater(false);
            m.setUpdater(new ForMultiLayer(m, old == null ? null : old.getStateViewArray()));
        } else if (net instanceof ComputationGraph g && g.getVertices() != null && !(g.getUpdater(false) instanceof ForGraph)) {
            ComputationGraphUpdater old = g.getUpdater(false);
            g.setUpdater(new ForGraph(g, old == null ? null : old.getStateViewArray()));
        }
    }

    /** {@link MultiLayerUpdater} taking the standard path for the network's own gradient. */
    public static final class ForMultiLayer extends MultiLayerUpdater {
        private final Memory memory;
        private final Division division = new Division();

        ForMultiLayer(MultiLayerNetwork network, INDArray updaterState) {
            super(network, updaterState);
            memory = new Memory(getFlattenedGradientsView(), getParams());
        }

        @Override
        public synchronized void update(Gradient gradient, int iteration, int epoch, int batchSize, LayerWorkspaceMgr workspaceMgr) {
            super.update(own(gradient), iteration, epoch, batchSize, workspaceMgr);
        }

        /** {@code gradient} as {@link #update} passes it on: with the network's gradient array itself if it is the network's own. */
        Gradient own(Gradient gradient) {
            return memory.own(gradient, getFlattenedGradientsView(), getParams());
        }

        @Override
        protected void divideByMinibatch(boolean isExternal, Gradient gradient, int batchSize) {
            if (!division.leftToFastAdam(this, this::getOrderedLayers, isExternal, batchSize)) {
                super.divideByMinibatch(isExternal, gradient, batchSize);
            }
        }

        @Override
        public Updater clone() {
            return new ForMultiLayer(network, null);
        }
    }

    /** {@link ComputationGraphUpdater} taking the standard path for the network's own gradient. */
    public static final class ForGraph extends ComputationGraphUpdater {
        private final Memory memory;
        private final Division division = new Division();

        ForGraph(ComputationGraph graph, INDArray updaterState) {
            super(graph, updaterState);
            memory = new Memory(getFlattenedGradientsView(), getParams());
        }

        @Override
        public synchronized void update(Gradient gradient, int iteration, int epoch, int batchSize, LayerWorkspaceMgr workspaceMgr) {
            super.update(own(gradient), iteration, epoch, batchSize, workspaceMgr);
        }

        /** {@code gradient} as {@link #update} passes it on: with the network's gradient array itself if it is the network's own. */
        Gradient own(Gradient gradient) {
            return memory.own(gradient, getFlattenedGradientsView(), getParams());
        }

        @Override
        protected void divideByMinibatch(boolean isExternal, Gradient gradient, int batchSize) {
            if (!division.leftToFastAdam(this, this::getOrderedLayers, isExternal, batchSize)) {
                super.divideByMinibatch(isExternal, gradient, batchSize);
            }
        }

        @Override
        public ComputationGraphUpdater clone() {
            return new ForGraph(network, null);
        }
    }

    /** Whether an updater leaves the division by the batch size to FastAdam, worked out on its first step ({@link #foldsDivision}). */
    private static final class Division {
        private Boolean folds;

        /**
         * When {@code updater}'s division of its own gradient can be left to FastAdam, has every block's FastAdam divide
         * the next gradient by {@code batchSize} and returns true; else returns false, for DL4J's division.
         */
        boolean leftToFastAdam(BaseMultiLayerUpdater<?> updater, Supplier<Trainable[]> layers, boolean isExternal, int batchSize) {
            if (folds == null) {
                folds = foldsDivision(updater, layers.get());
            }
            if (isExternal || !folds) {
                return false;
            }
            updater.getUpdaterBlocks().forEach(block -> FastAdam.divideNextGradientBy(block.getGradientUpdater(), batchSize));
            return true;
        }
    }

    /**
     * Whether {@code updater} can leave the division by the batch size to FastAdam: every block FastAdam's and run in
     * supervised training, together covering the whole gradient, and every parameter divided, not regularized and in
     * a layer without gradient normalization (which DL4J applies between the division and the updaters).
     */
    private static boolean foldsDivision(BaseMultiLayerUpdater<?> updater, Trainable[] layers) {
        long covered = 0;
        for (UpdaterBlock block : updater.getUpdaterBlocks()) {
            if (!FastAdam.dividesGradients(block.getGradientUpdater()) || block.skipDueToPretrainConfig(false)) {
                return false;
            }
            covered += block.getParamOffsetEnd() - block.getParamOffsetStart();
        }
        for (Trainable layer : layers) {
            Map<String, INDArray> params = layer.paramTable(false);
            GradientNormalization normalization = layer.getConfig().getGradientNormalization();
            if (!params.isEmpty() && normalization != null && normalization != GradientNormalization.None) {
                return false;
            }
            for (String param : params.keySet()) {
                List<?> regularization = layer.getConfig().getRegularizationByParam(param);
                if (!layer.updaterDivideByMinibatch(param) || regularization != null && !regularization.isEmpty()) {
                    return false;
                }
            }
        }
        return covered == updater.getFlattenedGradientsView().length();
    }

    /**
     * Where the network's gradients and parameters lived when the updater made its views; a gradient is the network's
     * own when it, the network's gradient array and its parameter array are all still there.
     */
    private record Memory(long gradientAddress, long gradientLength, long paramsAddress, long paramsLength) {

        Memory(INDArray gradients, INDArray params) {
            this(address(gradients), gradients.length(), address(params), params.length());
        }

        /** {@code gradient}, with the network's gradient array itself as its flattened array when it is the network's own. */
        Gradient own(Gradient gradient, INDArray networkGradients, INDArray networkParams) {
            INDArray flat = gradient.gradient();
            if (flat == networkGradients || !at(flat, gradientAddress, gradientLength)
                    || !at(networkGradients, gradientAddress, gradientLength) || !at(networkParams, paramsAddress, paramsLength)) {
                return gradient;
            }
            return new Own(gradient, networkGradients);
        }

        private static boolean at(INDArray a, long address, long length) {
            return a != null && a.length() == length && a.elementWiseStride() == 1 && address(a) == address;
        }

        /** The address of the first element (a view's data buffer starts at the view's first element). */
        private static long address(INDArray a) {
            return a.data().addressPointer().address();
        }
    }

    /** A gradient whose flattened array is the network's own gradient array; everything else is {@code of}'s. */
    private record Own(Gradient of, INDArray flat) implements Gradient {

        @Override
        public INDArray gradient() {
            return flat;
        }

        @Override
        public Map<String, INDArray> gradientForVariable() {
            return of.gradientForVariable();
        }

        @Override
        public INDArray gradient(List<String> order) {
            return of.gradient(order);
        }

        @Override
        public void clear() {
            of.clear();
        }

        @Override
        public INDArray getGradientFor(String variable) {
            return of.getGradientFor(variable);
        }

        @Override
        public INDArray setGradientFor(String variable, INDArray newGradient) {
            return of.setGradientFor(variable, newGradient);
        }

        @Override
        public INDArray setGradientFor(String variable, INDArray newGradient, Character flatteningOrder) {
            return of.setGradientFor(variable, newGradient, flatteningOrder);
        }

        @Override
        public Character flatteningOrderForVariable(String variable) {
            return of.flatteningOrderForVariable(variable);
        }
    }
}
