package org.repro4j.diffusion;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A graph vertex that adds a vector per example and channel to every position of a feature map:
 * out[n, c, h, w] = features[n, c, h, w] + embedding[n, c], the way DDPM's U-Net adds the projected
 * timestep embedding to each residual block's feature maps (Ho et al. 2020, Appendix B; their
 * {@code h += dense(temb)[:, None, None, :]}). Its inputs, in order: NCHW features [n, C, H, W] and a
 * feed-forward [n, C]. DL4J's {@code ElementWiseVertex} needs inputs of one type and size, so it cannot
 * broadcast the [n, C] embedding; this vertex does, with the backward pass d features = d out and
 * d embedding = the sum of d out over H and W. No parameters.
 */
public class ChannelAdd extends GraphVertex {

    @Override
    public ChannelAdd clone() {
        return new ChannelAdd();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ChannelAdd;
    }

    @Override
    public int hashCode() {
        return ChannelAdd.class.hashCode();
    }

    @Override
    public long numParams(boolean backprop) {
        return 0;
    }

    @Override
    public int minVertexInputs() {
        return 2;
    }

    @Override
    public int maxVertexInputs() {
        return 2;
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
                                                                      INDArray paramsView, boolean initializeParams,
                                                                      DataType networkDatatype) {
        return new ChannelAddVertex(graph, name, idx, networkDatatype);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... vertexInputs) throws InvalidInputTypeException {
        if (vertexInputs.length != 2) {
            throw new InvalidInputTypeException("ChannelAdd: expected 2 inputs (features, embedding), got " + vertexInputs.length);
        }
        if (!(vertexInputs[0] instanceof InputType.InputTypeConvolutional cnn) || cnn.getFormat() != CNN2DFormat.NCHW) {
            throw new InvalidInputTypeException("ChannelAdd: expected NCHW convolutional features as input 0, got " + vertexInputs[0]);
        }
        if (!(vertexInputs[1] instanceof InputType.InputTypeFeedForward ff) || ff.getSize() != cnn.getChannels()) {
            throw new InvalidInputTypeException("ChannelAdd: expected a feed-forward embedding of " + cnn.getChannels()
                    + " channels as input 1, got " + vertexInputs[1]);
        }
        return cnn;
    }

    @Override
    public MemoryReport getMemoryReport(InputType... inputTypes) {
        return new LayerMemoryReport.Builder(null, ChannelAdd.class, inputTypes[0], inputTypes[0]).standardMemory(0, 0)
                .workingMemory(0, 0, 0, 0).cacheMemory(0, 0).build();
    }

    @Override
    public String toString() {
        return "ChannelAdd()";
    }
}
