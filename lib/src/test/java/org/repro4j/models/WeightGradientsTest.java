package org.repro4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2DDerivative;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.repro4j.optim.FastAdam;

class WeightGradientsTest {

    /** libnd4j's conv2d_bp: {weight gradient, bias gradient} for stride 1, dilation 1, NCHW, weights [O, C, kH, kW]. */
    private static INDArray[] conv2dBp(INDArray x, INDArray w, INDArray delta, int padH, int padW, boolean same) {
        INDArray gx = x.ulike(), gw = w.ulike(), gb = Nd4j.create(DataType.FLOAT, w.size(0));
        OpContext context = Nd4j.getExecutioner().buildContext();
        context.setIArguments(w.size(2), w.size(3), 1, 1, padH, padW, 1, 1, same ? 1 : 0, 0, 1);
        context.setInputArray(0, x);
        context.setInputArray(1, w);
        context.setInputArray(2, Nd4j.zeros(DataType.FLOAT, w.size(0)));
        context.setInputArray(3, delta);
        context.setOutputArray(0, gx);
        context.setOutputArray(1, gw);
        context.setOutputArray(2, gb);
        Nd4j.exec(new Conv2DDerivative(), context);
        return new INDArray[] {gw, gb};
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        double scale = expected.amaxNumber().doubleValue();
        assertTrue(scale > 0, what + " is all zeros");
        assertEquals(0, expected.sub(actual.reshape(expected.shape())).amaxNumber().doubleValue() / scale, 2e-6, what);
    }

    /** One and three input channels; Same 3 x 3, Truncate 5 x 3 unpadded and padded by one: conv2d_bp's gradients to float rounding. */
    @Test
    void theWeightAndBiasGradientsAreConv2dBpsToRounding() {
        Nd4j.getRandom().setSeed(4);
        record Case(int c, int kh, int kw, int padH, int padW, ConvolutionMode mode) {
        }
        for (Case k : List.of(new Case(1, 3, 3, 1, 1, ConvolutionMode.Same), new Case(3, 3, 3, 1, 1, ConvolutionMode.Same),
                new Case(3, 5, 3, 0, 0, ConvolutionMode.Truncate), new Case(2, 3, 3, 1, 1, ConvolutionMode.Truncate))) {
            int n = 5, o = 4, h = 9, w = 7;
            int oh = h + 2 * k.padH() - k.kh() + 1, ow = w + 2 * k.padW() - k.kw() + 1;
            INDArray x = Nd4j.randn(DataType.FLOAT, n, k.c(), h, w), weights = Nd4j.randn(DataType.FLOAT, o, k.c(), k.kh(), k.kw());
            INDArray delta = Nd4j.randn(DataType.FLOAT, n, o, oh, ow);
            INDArray[] expected = conv2dBp(x, weights, delta, k.padH(), k.padW(), k.mode() == ConvolutionMode.Same);
            INDArray gw = weights.ulike(), gb = Nd4j.create(DataType.FLOAT, 1, o);
            assertTrue(WeightGradients.compute(x, delta, new int[] {k.kh(), k.kw()}, new int[] {1, 1}, new int[] {k.padH(), k.padW()},
                    new int[] {1, 1}, k.mode(), CNN2DFormat.NCHW, gw, gb, LayerWorkspaceMgr.noWorkspaces()), k.toString());
            assertClose(expected[0], gw, k + " weights");
            assertClose(expected[1], gb, k + " bias");
        }
    }

    @Test
    void otherConvolutionsAreLeftToConv2dBpWithNothingWritten() {
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 1, 8, 8), delta = Nd4j.rand(DataType.FLOAT, 2, 3, 8, 8);
        INDArray gw = Nd4j.zeros(DataType.FLOAT, 3, 1, 3, 3), gb = Nd4j.zeros(DataType.FLOAT, 3);
        int[] k3 = {3, 3}, one = {1, 1}, pad = {1, 1};
        var none = LayerWorkspaceMgr.noWorkspaces();
        assertFalse(WeightGradients.compute(x, Nd4j.rand(DataType.FLOAT, 2, 3, 4, 4), k3, new int[] {2, 2}, pad, one, ConvolutionMode.Same,
                CNN2DFormat.NCHW, gw, gb, none), "stride 2");
        assertFalse(WeightGradients.compute(x, delta, k3, one, pad, new int[] {2, 2}, ConvolutionMode.Same, CNN2DFormat.NCHW, gw, gb, none), "dilation 2");
        assertFalse(WeightGradients.compute(x, delta, new int[] {2, 2}, one, pad, one, ConvolutionMode.Same, CNN2DFormat.NCHW,
                Nd4j.zeros(DataType.FLOAT, 3, 1, 2, 2), gb, none), "an even kernel in Same mode");
        assertFalse(WeightGradients.compute(x.castTo(DataType.DOUBLE), delta.castTo(DataType.DOUBLE), k3, one, pad, one, ConvolutionMode.Same,
                CNN2DFormat.NCHW, gw.castTo(DataType.DOUBLE), gb.castTo(DataType.DOUBLE), none), "double");
        assertFalse(WeightGradients.compute(x.dup('f'), delta, k3, one, pad, one, ConvolutionMode.Same, CNN2DFormat.NCHW, gw, gb, none), "F order");
        assertEquals(0, gw.amaxNumber().doubleValue());
        assertEquals(0, gb.amaxNumber().doubleValue());
    }

    /**
     * A conv net's training takes the first layer's gradients from here and gives the parameters DL4J's conv2d_bp gives,
     * to float rounding; gradients asked for with the input's gradient (calculateGradients) still come from conv2d_bp.
     */
    @Test
    void trainingTakesTheFirstLayersGradientsFromHere() throws ReflectiveOperationException {
        var fast = Models.conv(1, 8, 8, List.of(3, 4), List.of(5), 4, new FastAdam(0.01), 11);
        var plain = new MultiLayerNetwork(fast.getLayerWiseConfigurations().clone());
        plain.init(fast.params().dup(), true);
        NativeConvTest.withHelpers(plain.getLayers(), org.deeplearning4j.nn.layers.convolution.ConvolutionLayer.class,
                () -> new org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper(DataType.FLOAT));
        DataSet batch = NativeConvTest.batch();
        for (int i = 0; i < 3; i++) {
            fast.fit(batch);
            plain.fit(batch);
        }
        var first = (NativeConv.ConvHelper) fast.getLayer(0).getHelper();
        assertEquals(3, first.weightsOnly);
        assertEquals(0, ((NativeConv.ConvHelper) fast.getLayer(1).getHelper()).weightsOnly);
        assertClose(plain.params(), fast.params(), "parameters after 3 steps");
        var withInput = fast.calculateGradients(batch.getFeatures(), batch.getLabels(), null, null);
        var plainWithInput = plain.calculateGradients(batch.getFeatures(), batch.getLabels(), null, null);
        assertEquals(3, first.weightsOnly);
        assertClose(plainWithInput.getSecond(), withInput.getSecond(), "input gradient");
    }
}
