package org.repro4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2DDerivative;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.repro4j.diffusion.UNet;
import org.repro4j.optim.FastAdam;

class OneDnnConvTest {

    /**
     * libnd4j's iArgs for a shape: kernel, stride, top-left padding, dilation, Same mode (libnd4j pads as it needs, more at the
     * bottom and right where uneven) or the explicit padding on both sides, NCHW, weights [oC, iC, kH, kW].
     */
    private static void arguments(OpContext context, OneDnnConv.Shape s, boolean same) {
        context.setIArguments(s.kh(), s.kw(), s.strideH(), s.strideW(), s.padTop(), s.padLeft(), s.dilationH(), s.dilationW(), same ? 1 : 0, 0, 1);
    }

    private static INDArray conv2d(OneDnnConv.Shape s, boolean same, INDArray x, INDArray w, INDArray b) {
        INDArray z = Nd4j.create(DataType.FLOAT, s.output());
        OpContext context = Nd4j.getExecutioner().buildContext();
        arguments(context, s, same);
        context.setInputArray(0, x);
        context.setInputArray(1, w);
        if (b != null) {
            context.setInputArray(2, b);
        }
        context.setOutputArray(0, z);
        Nd4j.exec(new Conv2D(), context);
        return z;
    }

    /** {input gradient, weight gradient, bias gradient} by libnd4j's conv2d_bp. */
    private static INDArray[] conv2dBp(OneDnnConv.Shape s, boolean same, INDArray x, INDArray w, INDArray delta) {
        INDArray gx = Nd4j.create(DataType.FLOAT, s.input()), gw = Nd4j.create(DataType.FLOAT, s.weights()), gb = Nd4j.create(DataType.FLOAT, s.o());
        OpContext context = Nd4j.getExecutioner().buildContext();
        arguments(context, s, same);
        context.setInputArray(0, x);
        context.setInputArray(1, w);
        context.setInputArray(2, Nd4j.zeros(DataType.FLOAT, s.o()));
        context.setInputArray(3, delta);
        context.setOutputArray(0, gx);
        context.setOutputArray(1, gw);
        context.setOutputArray(2, gb);
        Nd4j.exec(new Conv2DDerivative(), context);
        return new INDArray[] {gx, gw, gb};
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        double scale = expected.amaxNumber().doubleValue();
        assertTrue(scale > 0, what + " is all zeros");
        assertEquals(0, expected.sub(actual).amaxNumber().doubleValue() / scale, 1e-5, what);
    }

    /** Output size of a convolution with the given padding on both sides of each axis. */
    private static int out(int size, int k, int stride, int dilation, int padBefore, int padAfter) {
        return (size + padBefore + padAfter - (k - 1) * dilation - 1) / stride + 1;
    }

    /**
     * One input channel and several; 3 x 3 padded, 5 x 3 unpadded, stride 2 padded by one whose last window ends at the
     * edge, stride 2 padded one more at the bottom and right than at the top and left (Same on an even size), dilation 2 (against
     * the kernel spread out with zeros); with and
     * without bias; the input a channel slice of a wider array (not contiguous): libnd4j's conv2d and conv2d_bp to float rounding.
     */
    @Test
    void theForwardAndBackwardPassesAreLibnd4jsToRounding() {
        assumeTrue(OneDnn.available(), "oneDNN's natives are not here");
        Nd4j.getRandom().setSeed(5);
        record Case(int c, int kh, int kw, int stride, int dilation, int padBefore, int padAfter, boolean bias, boolean slice) {
        }
        int n = 3, o = 5, h = 10, w = 8;
        for (Case k : List.of(new Case(1, 3, 3, 1, 1, 1, 1, true, false), new Case(4, 3, 3, 1, 1, 1, 1, false, false),
                new Case(3, 5, 3, 1, 1, 0, 0, true, true), new Case(2, 3, 3, 2, 1, 1, 1, true, false),
                new Case(2, 3, 3, 2, 1, 0, 1, true, true), new Case(3, 3, 3, 1, 2, 2, 2, false, false))) {
            int oh = out(h, k.kh(), k.stride(), k.dilation(), k.padBefore(), k.padAfter());
            int ow = out(w, k.kw(), k.stride(), k.dilation(), k.padBefore(), k.padAfter());
            var shape = new OneDnnConv.Shape(n, k.c(), h, w, o, k.kh(), k.kw(), oh, ow, k.stride(), k.stride(), k.dilation(), k.dilation(),
                    k.padBefore(), k.padBefore());
            assertTrue(shape.supported(), k.toString());
            INDArray x = k.slice() ? Nd4j.randn(DataType.FLOAT, n, k.c() + 2, h, w).get(NDArrayIndex.all(), NDArrayIndex.interval(1, 1 + k.c()))
                    : Nd4j.randn(DataType.FLOAT, n, k.c(), h, w);
            INDArray weights = Nd4j.randn(DataType.FLOAT, o, k.c(), k.kh(), k.kw());
            INDArray bias = k.bias() ? Nd4j.randn(DataType.FLOAT, 1, o) : null;
            // libnd4j's reference; for a dilated kernel (which libnd4j's oneDNN call refuses), the same kernel spread out with zeros between its taps
            int d = k.dilation(), spanH = (k.kh() - 1) * d + 1, spanW = (k.kw() - 1) * d + 1;
            var reference = d == 1 ? shape : new OneDnnConv.Shape(n, k.c(), h, w, o, spanH, spanW, oh, ow, k.stride(), k.stride(), 1, 1,
                    k.padBefore(), k.padBefore());
            INDArray spread = d == 1 ? weights : Nd4j.zeros(DataType.FLOAT, o, k.c(), spanH, spanW);
            INDArrayIndex[] taps = {NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, d, spanH), NDArrayIndex.interval(0, d, spanW)};
            if (d > 1) {
                spread.get(taps).assign(weights);
            }
            boolean same = k.padAfter() != k.padBefore();
            INDArray z = Nd4j.create(DataType.FLOAT, shape.output());
            OneDnnConv.forward(shape, x, weights, bias, z);
            assertClose(conv2d(reference, same, x.dup(), spread, bias == null ? null : bias.reshape(o)), z, k + " forward");

            INDArray delta = Nd4j.randn(DataType.FLOAT, shape.output());
            INDArray[] expected = conv2dBp(reference, same, x.dup(), spread, delta);
            if (d > 1) {
                expected[1] = expected[1].get(taps).dup();
            }
            INDArray gx = Nd4j.create(DataType.FLOAT, shape.input()), gw = Nd4j.create(DataType.FLOAT, shape.weights());
            INDArray gb = k.bias() ? Nd4j.create(DataType.FLOAT, 1, o) : null;
            OneDnnConv.backward(shape, x, weights, delta, gx, gw, gb);
            assertClose(expected[0], gx, k + " input gradient");
            assertClose(expected[1], gw, k + " weight gradient");
            if (k.bias()) {
                assertClose(expected[2], gb.reshape(o), k + " bias gradient");
            }

            // without the input gradient: the same weight and bias gradients, to the bit
            INDArray gwAlone = Nd4j.create(DataType.FLOAT, shape.weights()), gbAlone = k.bias() ? Nd4j.create(DataType.FLOAT, 1, o) : null;
            OneDnnConv.backward(shape, x, weights, delta, null, gwAlone, gbAlone);
            assertArrayEquals(gw.data().asFloat(), gwAlone.data().asFloat(), k + " weight gradient alone");
            if (k.bias()) {
                assertArrayEquals(gb.data().asFloat(), gbAlone.data().asFloat(), k + " bias gradient alone");
            }
        }
    }

    @Test
    void anArrayOfAnotherShapeOrTypeIsRefusedByName() {
        assumeTrue(OneDnn.available(), "oneDNN's natives are not here");
        var shape = new OneDnnConv.Shape(2, 3, 6, 6, 4, 3, 3, 6, 6, 1, 1, 1, 1, 1, 1);
        INDArray x = Nd4j.create(DataType.FLOAT, 2, 3, 6, 6), w = Nd4j.create(DataType.FLOAT, 4, 3, 3, 3);
        var e = assertThrows(IllegalArgumentException.class, () -> OneDnnConv.forward(shape, x, w, null, Nd4j.create(DataType.FLOAT, 2, 4, 5, 5)));
        assertEquals("output: expected shape [2, 4, 6, 6], got [2, 4, 5, 5]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OneDnnConv.backward(shape, x, w, Nd4j.create(DataType.FLOAT, 2, 4, 6, 6), null,
                Nd4j.create(DataType.FLOAT, 4, 3, 3, 3), Nd4j.create(DataType.FLOAT, 1, 3)));
        assertEquals("bias gradient: expected 4 contiguous values, got shape [1, 3]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OneDnnConv.forward(shape, x.castTo(DataType.DOUBLE), w, null,
                Nd4j.create(DataType.FLOAT, 2, 4, 6, 6)));
        assertEquals("input: expected FLOAT, got DOUBLE", e.getMessage());
    }

    /** Negative padding (the last rows cut off by a larger stride) is not oneDNN's to take; the helper keeps libnd4j's path for it. */
    @Test
    void aShapeWithNegativePaddingIsNotSupported() {
        var shape = new OneDnnConv.Shape(1, 1, 7, 7, 1, 3, 3, 2, 2, 3, 3, 1, 1, 0, 0);
        assertEquals(-1, shape.padBottom());
        assertTrue(!shape.supported() && !OneDnnConv.takes(shape));
    }

    /** The U-Net's first convolution reads only the image input: in training it computes the weight gradients alone. */
    @Test
    void aGraphsFirstConvolutionComputesItsWeightGradientsAlone() {
        assumeTrue(OneDnn.available(), "oneDNN's natives are not here");
        var unet = UNet.create(1, 8, 8, List.of(4, 8), 3, 2, new FastAdam(1e-3), 3);
        ComputationGraph graph = unet.network();
        Nd4j.getRandom().setSeed(9);
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 64), c = Nd4j.rand(DataType.FLOAT, 4), target = Nd4j.rand(DataType.FLOAT, 4, 64);
        unet.fit(x, c, target, null);
        unet.fit(x, c, target, null);
        long alone = 0, helpers = 0;
        for (var layer : graph.getLayers()) {
            if (layer.getHelper() instanceof NativeConv.ConvHelper helper) {
                helpers++;
                alone += helper.weightsOnly;
            }
        }
        assertTrue(helpers > 2, "the U-Net's convolutions have no helpers");
        assertEquals(2, alone, "weight-only backward passes");
    }
}
