package org.repro4j.norm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The layer of {@link GhostBatchNormalization}: DL4J's batch norm in inference, per-ghost-batch
 * statistics in training. Activations are handled as rows of features ([examples * h * w,
 * channels] for NCHW input); the arrays kept from the forward pass for the backward one live
 * outside DL4J's workspaces.
 */
final class GhostBatchNormalizationLayer extends BatchNormalization {

    private final int ghostSize;
    /** Per ghost batch of the last training forward pass: its normalised rows and their std. */
    private final List<INDArray[]> ghosts = new ArrayList<>();
    private long[] inputShape;

    GhostBatchNormalizationLayer(NeuralNetConfiguration conf, DataType dataType, int ghostSize) {
        super(conf, dataType);
        this.ghostSize = ghostSize;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaces) {
        if (!training) {
            return super.activate(false, workspaces);
        }
        assertInputSet(false);
        if (input.rank() != 2 && !(input.rank() == 4 && layerConf().getCnn2DFormat() == CNN2DFormat.NCHW)) {
            throw new IllegalStateException(layerId() + ": expected activations [batch, features] or NCHW [batch, channels, h, w], got shape "
                    + Arrays.toString(input.shape()) + " (" + layerConf().getCnn2DFormat() + ")");
        }
        INDArray gamma = getParam(BatchNormalizationParamInitializer.GAMMA).reshape(1, -1);
        INDArray beta = getParam(BatchNormalizationParamInitializer.BETA).reshape(1, -1);
        double eps = layerConf().getEps();
        INDArray output;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            inputShape = input.shape();
            ghosts.clear();
            var outputs = new ArrayList<INDArray>();
            for (long start = 0; start < input.size(0); start += ghostSize) {
                INDArray x = rows(input.get(NDArrayIndex.interval(start, Math.min(start + ghostSize, input.size(0)))));
                INDArray mean = x.mean(0), var = x.var(false, 0);
                INDArray std = Transforms.sqrt(var.add(eps), false);
                INDArray xHat = x.subRowVector(mean).diviRowVector(std);
                ghosts.add(new INDArray[] {xHat, std, mean, var});
                outputs.add(xHat.mulRowVector(gamma).addiRowVector(beta));
            }
            output = unrows(outputs);
        }
        return workspaces.dup(ArrayType.ACTIVATIONS, output);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaces) {
        assertInputSet(true);
        INDArray gamma = getParam(BatchNormalizationParamInitializer.GAMMA).reshape(1, -1);
        double decay = layerConf().getDecay();
        Gradient gradient = new DefaultGradient();
        INDArray dx;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray dGamma = Nd4j.zeros(gamma.dataType(), gamma.length());
            INDArray dBeta = dGamma.dup(), meanOfMeans = dGamma.dup(), meanOfVars = dGamma.dup();
            var dxs = new ArrayList<INDArray>();
            long start = 0;
            for (INDArray[] ghost : ghosts) {
                INDArray xHat = ghost[0], std = ghost[1];
                INDArray dy = rows(epsilon.get(NDArrayIndex.interval(start, start + exampleCount(xHat))));
                start += exampleCount(xHat);
                dBeta.addi(dy.sum(0));
                dGamma.addi(dy.mul(xHat).sum(0));
                // dL/dx = (dxHat - mean(dxHat) - xHat * mean(dxHat * xHat)) / std, per ghost batch
                INDArray dxHat = dy.mulRowVector(gamma);
                INDArray projection = xHat.mulRowVector(dxHat.mul(xHat).mean(0));
                dxs.add(dxHat.subRowVector(dxHat.mean(0)).subi(projection).diviRowVector(std));
                meanOfMeans.addi(ghost[2].div(ghosts.size()));
                meanOfVars.addi(ghost[3].div(ghosts.size()));
            }
            // DL4J's convention for the running statistics: their "gradient" is the step, applied as is
            // (no-op updater): mean - (1 - decay) * (mean - statistic)
            INDArray dMean = getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN).sub(meanOfMeans.reshape(1, -1)).muli(1 - decay);
            INDArray dVar = getParam(BatchNormalizationParamInitializer.GLOBAL_VAR).sub(meanOfVars.reshape(1, -1)).muli(1 - decay);
            gradient.setGradientFor(BatchNormalizationParamInitializer.GAMMA, assign(BatchNormalizationParamInitializer.GAMMA, dGamma));
            gradient.setGradientFor(BatchNormalizationParamInitializer.BETA, assign(BatchNormalizationParamInitializer.BETA, dBeta));
            gradient.setGradientFor(BatchNormalizationParamInitializer.GLOBAL_MEAN, assign(BatchNormalizationParamInitializer.GLOBAL_MEAN, dMean));
            gradient.setGradientFor(BatchNormalizationParamInitializer.GLOBAL_VAR, assign(BatchNormalizationParamInitializer.GLOBAL_VAR, dVar));
            dx = unrows(dxs);
        }
        return new Pair<>(gradient, workspaces.dup(ArrayType.ACTIVATION_GRAD, dx));
    }

    private INDArray assign(String key, INDArray value) {
        INDArray view = gradientViews.get(key);
        view.assign(value.reshape(view.shape()));
        return view;
    }

    /** Examples in a ghost batch of {@code rows} rows. */
    private long exampleCount(INDArray rows) {
        return inputShape.length == 2 ? rows.size(0) : rows.size(0) / (inputShape[2] * inputShape[3]);
    }

    /** [n, c] as is; NCHW [n, c, h, w] as rows [n * h * w, c]. */
    private static INDArray rows(INDArray x) {
        return x.rank() == 2 ? x.dup('c') : x.permute(0, 2, 3, 1).dup('c').reshape('c', -1, x.size(1));
    }

    /** The ghost batches' rows, stacked and shaped like the input. */
    private INDArray unrows(List<INDArray> parts) {
        INDArray all = parts.size() == 1 ? parts.get(0) : Nd4j.concat(0, parts.toArray(INDArray[]::new));
        if (inputShape.length == 2) {
            return all;
        }
        return all.reshape('c', inputShape[0], inputShape[2], inputShape[3], inputShape[1]).permute(0, 3, 1, 2).dup('c');
    }
}
