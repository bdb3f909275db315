package org.repro4j.diffusion;

import java.nio.FloatBuffer;
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
import org.repro4j.HostArrays;
import org.repro4j.HostLoops;

/**
 * The vertex of {@link ChannelAdd}: one broadcast add forward, a copy and a sum over H, W backward.
 *
 * <p>For float NCHW arrays in C order on the CPU both run in Java, one image plane at a time, to the bit as libnd4j
 * computes them (a test): forward one add an element; backward each plane summed in row-major order from zero, as
 * libnd4j's reduction does, eight planes side by side so that their additions overlap (each plane's sum is one chain of
 * dependent additions). libnd4j's broadcast and its sum over H, W took 1.2% and 1.3% of the U-Net's train step. The
 * planes are split across {@link HostLoops}' threads.
 */
final class ChannelAddVertex extends BaseGraphVertex {

    /** Planes summed side by side in the backward pass. */
    private static final int LANES = 8;

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
        return add(features, embedding, workspaces.createUninitialized(ArrayType.ACTIVATIONS, features.dataType(), features.shape(), 'c'));
    }

    /** {@code out} = features [n, C, H, W] + embedding [n, C] over H, W; {@code out} is a C-order array like {@code features}. */
    static INDArray add(INDArray features, INDArray embedding, INDArray out) {
        if (!inJava(features)) {
            return Broadcast.add(features, embedding.castTo(features.dataType()), out, 0, 1);
        }
        float[] shifts = HostArrays.toFloats(embedding);   // [n, C] in C order: one value a plane
        int area = (int) (features.size(2) * features.size(3));
        FloatBuffer in = HostArrays.floats(features), to = HostArrays.floats(out);
        HostLoops.split(shifts.length, HostLoops.grain(area), (from, end) -> {
            float[] plane = new float[area];
            for (int p = from; p < end; p++) {
                in.get(p * area, plane);
                float shift = shifts[p];
                for (int i = 0; i < area; i++) {
                    plane[i] += shift;
                }
                to.put(p * area, plane);
            }
        });
        return out;
    }

    /** Whether the Java loops take {@code a}: a float [n, C, H, W] array in C order in host memory. */
    private static boolean inJava(INDArray a) {
        return HostArrays.onCpu() && a.dataType() == DataType.FLOAT && a.rank() == 4 && HostArrays.inCOrder(a);
    }

    /** The sum over H, W of each [H, W] plane of {@code epsilon}, as [n, C]: see the class comment. */
    static INDArray planeSums(INDArray epsilon) {
        if (!inJava(epsilon)) {
            return epsilon.sum(2, 3);
        }
        int planes = (int) (epsilon.size(0) * epsilon.size(1)), area = (int) (epsilon.size(2) * epsilon.size(3));
        FloatBuffer in = HostArrays.floats(epsilon);
        float[] sums = new float[planes];
        int blocks = (planes + LANES - 1) / LANES;
        HostLoops.split(blocks, HostLoops.grain((long) LANES * area), (from, to) -> {
            float[] values = new float[LANES * area];
            for (int p0 = from * LANES; p0 < Math.min(planes, to * LANES); p0 += LANES) {
                int lanes = Math.min(LANES, planes - p0);
                in.get(p0 * area, values, 0, lanes * area);
                if (lanes < LANES) {
                    for (int l = 0; l < lanes; l++) {
                        float s = 0f;
                        for (int i = 0; i < area; i++) {
                            s += values[l * area + i];
                        }
                        sums[p0 + l] = s;
                    }
                    continue;
                }
                float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f, s4 = 0f, s5 = 0f, s6 = 0f, s7 = 0f;
                for (int i = 0; i < area; i++) {
                    s0 += values[i];
                    s1 += values[area + i];
                    s2 += values[2 * area + i];
                    s3 += values[3 * area + i];
                    s4 += values[4 * area + i];
                    s5 += values[5 * area + i];
                    s6 += values[6 * area + i];
                    s7 += values[7 * area + i];
                }
                sums[p0] = s0;
                sums[p0 + 1] = s1;
                sums[p0 + 2] = s2;
                sums[p0 + 3] = s3;
                sums[p0 + 4] = s4;
                sums[p0 + 5] = s5;
                sums[p0 + 6] = s6;
                sums[p0 + 7] = s7;
            }
        });
        return HostArrays.floatArray(sums, epsilon.size(0), epsilon.size(1));
    }

    @Override
    public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaces) {
        if (!canDoBackward()) {
            throw new IllegalStateException(vertexName + ": cannot do the backward pass, errors not set");
        }
        INDArray dEmbedding;
        try (MemoryWorkspace ignored = workspaces.notifyScopeBorrowed(ArrayType.ACTIVATION_GRAD)) {
            dEmbedding = planeSums(epsilon).castTo(inputs[1].dataType());
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
