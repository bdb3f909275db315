package org.repro4j.diffusion;

import java.util.Arrays;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.BaseGraphVertex;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Broadcast;

/** The vertex of {@link ChannelAdd}: one broadcast add forward, a copy and a sum over H, W backward. */
final class ChannelAddVertex extends BaseGraphVertex {

    ChannelAddVertex(ComputationGraph graph, String name, int index, DataType dataType) {
        super(graph, name, index, null, null, dataType);
    }

    @Override
    public boolean hasLayer() {
        return false;
    }

    @Override
    public Layer getLayer() {
        return null;
    }

    @Override
    public INDArray doForward(boolean training, LayerWorkspaceMgr workspaces) {
        if (!canDoForward()) {
            throw new IllegalStateException(vertexName + ": cannot do the forward pass, inputs not set");
        }
        INDArray features = inputs[0];
        INDArray embedding = inputs[1];
        if (features.rank() != 4 || embedding.rank() != 2 || embedding.size(0) != features.size(0)
                || embedding.size(1) != features.size(1)) {
            throw new IllegalStateException(vertexName + ": expected features [n, C, H, W] and an embedding [n, C], got "
                    + Arrays.toString(features.shape()) + " and " + Arrays.toString(embedding.shape()));
        }
        INDArray out = workspaces.createUninitialized(ArrayType.ACTIVATIONS, features.dataType(), features.shape(), 'c');
        return Broadcast.add(features, embedding.castTo(features.dataType()), out, 0, 1);
    }

    @Override
    public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaces) {
        if (!canDoBackward()) {
            throw new IllegalStateException(vertexName + ": cannot do the backward pass, errors not set");
        }
        INDArray dEmbedding;
        try (MemoryWorkspace ignored = workspaces.notifyScopeBorrowed(ArrayType.ACTIVATION_GRAD)) {
            dEmbedding = epsilon.sum(2, 3).castTo(inputs[1].dataType());
        }
        return new Pair<>(null, new INDArray[] {workspaces.dup(ArrayType.ACTIVATION_GRAD, epsilon), dEmbedding});
    }

    @Override
    public void setBackpropGradientsViewArray(INDArray backpropGradientsViewArray) {
        if (backpropGradientsViewArray != null) {
            throw new IllegalArgumentException(vertexName + ": ChannelAdd has no parameters, got a gradient view of "
                    + backpropGradientsViewArray.length());
        }
    }

    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArrays(INDArray[] maskArrays, MaskState currentMaskState, int minibatchSize) {
        return new Pair<>(maskArrays == null ? null : maskArrays[0], currentMaskState);
    }

    @Override
    public String toString() {
        return "ChannelAddVertex(name=" + vertexName + ")";
    }
}
