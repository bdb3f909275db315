package org.repro4j.models;

import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's pooling layer whose forward pass asks its helper first, as its backward pass does: DL4J 1.0.0-M2.1's
 * {@code SubsamplingLayer.activate} always runs libnd4j's {@code maxpool2d} op itself (9% of a conv net's train step,
 * a third of its evaluation). With {@link MaxPoolLoops} installed (by {@link NativeConv}) a max pooling over
 * non-overlapping windows runs as Java loops; everything else as in DL4J. {@link FastLayers#install} swaps it in.
 */
final class MaxPoolLayer extends SubsamplingLayer {

    /** This layer in place of {@code old}, which has no parameters, with its listeners. */
    MaxPoolLayer(SubsamplingLayer old) {
        super(old.conf(), old.getDataType());
        setListeners(old.getListeners());
        setIndex(old.getIndex());
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (helper instanceof MaxPoolLoops loops && input != null && input.rank() == 4) {
            var conf = layerConf();
            INDArray output = loops.forward(input.castTo(dataType), conf.getKernelSize(), conf.getStride(), conf.getPadding(),
                    conf.getPoolingType(), convolutionMode, conf.getDilation(), conf.getCnn2dDataFormat(), workspaceMgr);
            if (output != null) {
                return output;
            }
        }
        return super.activate(training, workspaceMgr);
    }
}
