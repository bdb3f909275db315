package org.repro4j.norm;

import java.lang.ref.WeakReference;
import java.util.Arrays;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Broadcast;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.repro4j.HostArrays;
import org.repro4j.norm.GroupNormalization.GroupNormalizationParams;

/**
 * The layer of {@link GroupNormalization}. An input [n, c, h, w] (or [n, c]) is viewed, in C order,
 * as [n, groups, c / groups * h * w]: each row of the last axis is one set S_i of Wu and He's eq. 1,
 * normalised on its own; gamma and beta act on the view [n, c, h * w] along axis 1. The ops' backward
 * pass recomputes x̂ and σ from the input (cheaper than keeping them, and never stale); the loops' takes each set's
 * mean and σ from the forward pass on the same input array, else computes them again.
 *
 * <p>On the CPU backend, float inputs go through {@link GroupNormLoops} (Java loops, set by set, sums in float partial sums);
 * double inputs (gradient checks), other backends, or {@code -D}{@value #OPS_PROPERTY}{@code =true} through ND4J ops
 * outside DL4J's workspaces. The two agree to float rounding (a test compares them).
 */
final class GroupNormalizationLayer extends BaseLayer<GroupNormalization> {

    /** System property: {@code true} computes with ND4J ops on the CPU too (for comparisons). */
    static final String OPS_PROPERTY = "repro4j.groupNormOps";

    /** The input of the last forward pass by the loops, and its statistics. */
    private WeakReference<INDArray> statisticsInput = new WeakReference<>(null);
    private GroupNormLoops.Statistics statistics;
    /** Backward passes by the loops that took the forward pass's statistics (for tests). */
    long reused;

    GroupNormalizationLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** x̂ as [n, groups, m] and σ = sqrt(var + ε) as [n, groups]. */
    private record Normalised(INDArray xHat, INDArray std) {
    }

    @Override
    public Type type() {
        return Type.NORMALIZATION;
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaces) {
        assertInputSet(false);
        checkInput();
        if (loops()) {
            INDArray output = workspaces.createUninitialized(ArrayType.ACTIVATIONS, input.dataType(), input.shape(), 'c');
            statistics = loopsForInput().forward(inCOrder(input), parameter(GroupNormalizationParams.GAMMA),
                    parameter(GroupNormalizationParams.BETA), output);
            statisticsInput = new WeakReference<>(input);
            return output;
        }
        INDArray output;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            Normalised norm = normalise();
            // eq. 6: y = gamma * x̂ + beta, per channel
            INDArray y = norm.xHat().reshape('c', input.size(0), input.size(1), -1);
            INDArray out = Broadcast.mul(y, channelVector(GroupNormalizationParams.GAMMA), y.ulike(), 1);
            Broadcast.add(out, channelVector(GroupNormalizationParams.BETA), out, 1);
            output = out.reshape('c', input.shape());
        }
        return workspaces.dup(ArrayType.ACTIVATIONS, output);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaces) {
        assertInputSet(true);
        checkInput();
        Gradient gradient = new DefaultGradient();
        if (loops()) {
            long c = input.size(1);
            double[] dGamma = new double[(int) c], dBeta = new double[(int) c];
            INDArray dx = workspaces.createUninitialized(ArrayType.ACTIVATION_GRAD, input.dataType(), input.shape(), 'c');
            loopsForInput().backward(inCOrder(input), inCOrder(epsilon.castTo(input.dataType())),
                    parameter(GroupNormalizationParams.GAMMA), dGamma, dBeta, dx, forwardStatistics());
            gradient.setGradientFor(GroupNormalizationParams.GAMMA, assignGradient(GroupNormalizationParams.GAMMA, Nd4j.createFromArray(dGamma)));
            gradient.setGradientFor(GroupNormalizationParams.BETA, assignGradient(GroupNormalizationParams.BETA, Nd4j.createFromArray(dBeta)));
            return new Pair<>(gradient, dx);
        }
        INDArray dx;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            Normalised norm = normalise();
            long n = input.size(0), c = input.size(1);
            INDArray dy = epsilon.dup('c').reshape('c', n, c, -1);
            INDArray xHatByChannel = norm.xHat().reshape('c', n, c, -1);
            INDArray dBeta = dy.sum(0, 2);
            INDArray dGamma = dy.mul(xHatByChannel).sum(0, 2);
            // per set S_i of m values: dL/dx = (dx̂ - mean(dx̂) - x̂ * mean(dx̂ * x̂)) / σ
            INDArray dxHatByChannel = Broadcast.mul(dy, channelVector(GroupNormalizationParams.GAMMA), dy.ulike(), 1);
            INDArray dxHat = dxHatByChannel.reshape('c', n, layerConf().groups(), -1);
            INDArray xHat = norm.xHat();
            INDArray centred = Broadcast.sub(dxHat, dxHat.mean(2), dxHat.ulike(), 0, 1);
            INDArray projection = Broadcast.mul(xHat, dxHat.mul(xHat).mean(2), xHat.ulike(), 0, 1);
            dx = Broadcast.div(centred.subi(projection), norm.std(), centred, 0, 1).reshape('c', input.shape());
            gradient.setGradientFor(GroupNormalizationParams.GAMMA, assignGradient(GroupNormalizationParams.GAMMA, dGamma));
            gradient.setGradientFor(GroupNormalizationParams.BETA, assignGradient(GroupNormalizationParams.BETA, dBeta));
        }
        return new Pair<>(gradient, workspaces.dup(ArrayType.ACTIVATION_GRAD, dx));
    }

    /** Whether this pass runs as {@link GroupNormLoops}: on the CPU, for float, unless {@value #OPS_PROPERTY}. */
    private boolean loops() {
        return HostArrays.onCpu() && input.dataType() == DataType.FLOAT && input.length() <= Integer.MAX_VALUE
                && !Boolean.getBoolean(OPS_PROPERTY);
    }

    /** The statistics of the forward pass on this input (then forgotten), or null if there was none. */
    private GroupNormLoops.Statistics forwardStatistics() {
        GroupNormLoops.Statistics kept = input == statisticsInput.get() ? statistics : null;
        statisticsInput = new WeakReference<>(null);
        statistics = null;
        if (kept != null) {
            reused++;
        }
        return kept;
    }

    /** {@code a}, or a C-order copy of it if the loops cannot read it as it is. */
    private static INDArray inCOrder(INDArray a) {
        return GroupNormLoops.accepts(a) ? a : a.dup('c');
    }

    private GroupNormLoops loopsForInput() {
        return new GroupNormLoops((int) input.size(0), (int) input.size(1), layerConf().groups(),
                (int) (input.length() / input.size(0) / input.size(1)), layerConf().eps());
    }

    /** The parameter {@code key}, one value per channel. */
    private double[] parameter(String key) {
        return HostArrays.toDoubles(getParam(key));
    }

    private void checkInput() {
        if (input.rank() != 2 && input.rank() != 4) {
            throw new IllegalStateException(layerId() + ": expected activations [batch, features] or NCHW [batch, channels, h, w], got shape "
                    + Arrays.toString(input.shape()));
        }
        if (input.size(1) != layerConf().getNOut()) {
            throw new IllegalStateException(layerId() + ": expected " + layerConf().getNOut() + " channels on axis 1, got shape "
                    + Arrays.toString(input.shape()));
        }
    }

    /** Eq. 1-2 on the current input, each set S_i (eq. 7) a row of the view [n, groups, m]. */
    private Normalised normalise() {
        INDArray sets = input.dup('c').reshape('c', input.size(0), layerConf().groups(), -1);
        INDArray mean = sets.mean(2);
        INDArray std = Transforms.sqrt(sets.var(false, 2).addi(layerConf().eps()), false);
        INDArray xHat = Broadcast.sub(sets, mean, sets, 0, 1);
        Broadcast.div(xHat, std, xHat, 0, 1);
        return new Normalised(xHat, std);
    }

    /** The parameter {@code key} as a vector of one value per channel. */
    private INDArray channelVector(String key) {
        INDArray value = getParam(key);
        return value.reshape(value.length()).castTo(input.dataType());
    }

    private INDArray assignGradient(String key, INDArray value) {
        INDArray view = gradientViews.get(key);
        view.assign(value.reshape(view.shape()));
        return view;
    }
}
