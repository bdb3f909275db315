package org.repro4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.repro4j.diffusion.UNet;
import org.repro4j.optim.FastAdam;

class MaxPoolLoopsTest {

    private static final LayerWorkspaceMgr NONE = LayerWorkspaceMgr.noWorkspaces();
    private static final int[] ONES = {1, 1}, ZEROS = {0, 0};

    /** An array's values in C order, widened to double (exactly; assertArrayEquals compares doubles by their bits). */
    private static double[] bits(INDArray a) {
        return a.dup('c').castTo(DataType.DOUBLE).data().asDouble();
    }

    /** Both passes of the loops (oneDNN's for floats where available) and of libnd4j's ops on {@code input}, to the bit. */
    private static void assertSamePasses(INDArray input, int k, ConvolutionMode mode) {
        var loops = new MaxPoolLoops(input.dataType());
        var ops = new MKLDNNSubsamplingHelper(input.dataType());
        int[] kernel = {k, k};
        INDArray expected = ops.activate(input, true, kernel, kernel, ZEROS, PoolingType.MAX, mode, ONES, CNN2DFormat.NCHW, NONE);
        INDArray actual = loops.forward(input, kernel, kernel, ZEROS, PoolingType.MAX, mode, ONES, CNN2DFormat.NCHW, NONE);
        assertArrayEquals(bits(expected), bits(actual), "forward, k = " + k);
        INDArray epsilon = Nd4j.randn(input.dataType(), input.size(0), input.size(1), input.size(2) / k, input.size(3) / k);
        INDArray expectedGradient = ops.backpropGradient(input, epsilon, kernel, kernel, ZEROS, PoolingType.MAX, mode, ONES,
                CNN2DFormat.NCHW, NONE).getSecond();
        INDArray gradient = loops.backpropGradient(input, epsilon, kernel, kernel, ZEROS, PoolingType.MAX, mode, ONES,
                CNN2DFormat.NCHW, NONE).getSecond();
        assertArrayEquals(bits(expectedGradient), bits(gradient), "backward, k = " + k);
        assertEquals(2, loops.passes);
        assertEquals(1, loops.reused, "the backward pass took the forward pass's choices");
        var fresh = new MaxPoolLoops(input.dataType());
        INDArray foundAgain = fresh.backpropGradient(input, epsilon, kernel, kernel, ZEROS, PoolingType.MAX, mode, ONES,
                CNN2DFormat.NCHW, NONE).getSecond();
        assertArrayEquals(bits(expectedGradient), bits(foundAgain), "backward without a forward pass, k = " + k);
        assertEquals(0, fresh.reused);
    }

    @Test
    void bothPassesAreLibnd4jsToTheBit() {
        Nd4j.getRandom().setSeed(1);
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            assertSamePasses(Nd4j.randn(type, 3, 4, 12, 8), 2, ConvolutionMode.Truncate);
            assertSamePasses(Nd4j.randn(type, 2, 3, 9, 6), 3, ConvolutionMode.Same);
            // ReLU outputs: windows of tied zeros
            assertSamePasses(Transforms.relu(Nd4j.randn(type, 3, 2, 8, 8), false), 2, ConvolutionMode.Truncate);
        }
    }

    /** Every window of four values drawn from ten special ones (10^4 windows), element e of window w at e's place. */
    private static final float[][] SPECIAL_WINDOWS = specialWindows();

    private static float[][] specialWindows() {
        float[] special = {0f, -0f, 1f, -1f, 2.5f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE,
                -Float.MIN_VALUE};
        int n = special.length;
        float[][] windows = new float[n * n * n * n][4];
        for (int w = 0; w < windows.length; w++) {
            int rest = w;
            for (int e = 0; e < 4; e++, rest /= n) {
                windows[w][e] = special[rest % n];
            }
        }
        return windows;
    }

    /** The 2 x 2 windows side by side in one plane of 2 rows: element e of window w at row e / 2, column 2 w + e % 2. */
    private static INDArray side(float[][] windows) {
        float[] values = new float[4 * windows.length];
        for (int w = 0; w < windows.length; w++) {
            for (int e = 0; e < 4; e++) {
                values[(e / 2) * 2 * windows.length + 2 * w + e % 2] = windows[w][e];
            }
        }
        return Nd4j.createFromArray(values).reshape(1, 1, 2, 2L * windows.length);
    }

    private static final int[] TWO = {2, 2};

    /** The 2 x 2 (Truncate) max pooling of a one-plane input by {@code helper}, one value a window. */
    private static INDArray pool2x2(MaxPoolLoops helper, INDArray input) {
        return helper.forward(input, TWO, TWO, ZEROS, PoolingType.MAX, ConvolutionMode.Truncate, ONES, CNN2DFormat.NCHW, NONE);
    }

    /** Its backward pass for {@code epsilon}. */
    private static INDArray route2x2(MaxPoolLoops helper, INDArray input, INDArray epsilon) {
        return helper.backpropGradient(input, epsilon, TWO, TWO, ZEROS, PoolingType.MAX, ConvolutionMode.Truncate, ONES,
                CNN2DFormat.NCHW, NONE).getSecond();
    }

    /**
     * The loops' float 2 x 2 pooling (on integer keys) against the double loops on every window of four special values (10^4
     * windows): the same pooled bits and the same choices (the backward pass routes the window number by them).
     */
    @Test
    void float2x2ChoicesAreTheDoubleLoopsOnEveryWindowOfSpecialValues() {
        int windows = SPECIAL_WINDOWS.length;
        INDArray input = side(SPECIAL_WINDOWS);
        INDArray epsilon = Nd4j.linspace(1, windows, windows, DataType.FLOAT).reshape(1, 1, 1, windows);
        var floats = new MaxPoolLoops(DataType.FLOAT, false);
        var doubles = new MaxPoolLoops(DataType.DOUBLE);
        INDArray inputDouble = input.castTo(DataType.DOUBLE);
        float[] pooled = pool2x2(floats, input).reshape(1, windows).toFloatMatrix()[0];
        float[] expected = pool2x2(doubles, inputDouble).castTo(DataType.FLOAT).reshape(1, windows).toFloatMatrix()[0];
        for (int window = 0; window < windows; window++) {
            assertEquals(Float.floatToRawIntBits(expected[window]), Float.floatToRawIntBits(pooled[window]), "window " + window);
        }
        INDArray routed = route2x2(floats, input, epsilon);
        INDArray routedDouble = route2x2(doubles, inputDouble, epsilon.castTo(DataType.DOUBLE));
        assertEquals(1, floats.reused);
        assertEquals(routedDouble.castTo(DataType.FLOAT), routed);
    }

    /**
     * oneDNN's 2 x 2 pooling against the loops on every window of four special values (10^4 windows): the same bits and
     * choices in every window with a number other than NaN and negative infinity; in a window with a NaN, oneDNN gives
     * the largest of the other values where the loops give a NaN that comes first; in a window of NaNs and negative
     * infinities only, the lowest finite float.
     */
    @Test
    void oneDnnsChoicesAreTheLoopsOnEveryWindowWithoutANaN() {
        int windows = SPECIAL_WINDOWS.length;
        INDArray input = side(SPECIAL_WINDOWS);
        INDArray epsilon = Nd4j.linspace(1, windows, windows, DataType.FLOAT).reshape(1, 1, 1, windows);
        var oneDnn = new MaxPoolLoops(DataType.FLOAT);
        var loops = new MaxPoolLoops(DataType.FLOAT, false);
        float[] pooled = pool2x2(oneDnn, input).reshape(1, windows).toFloatMatrix()[0];
        float[] expected = pool2x2(loops, input).reshape(1, windows).toFloatMatrix()[0];
        float[][] routed = route2x2(oneDnn, input, epsilon).reshape(2, 2 * windows).toFloatMatrix();
        float[][] expectedRouted = route2x2(loops, input, epsilon).reshape(2, 2 * windows).toFloatMatrix();
        assertEquals(1, oneDnn.reused, "the backward pass took the forward pass's choices");
        int withNaN = 0, withoutNumbers = 0;
        for (int w = 0; w < windows; w++) {
            boolean nan = false;
            float largest = Float.NEGATIVE_INFINITY;
            for (float v : SPECIAL_WINDOWS[w]) {
                nan |= Float.isNaN(v);
                largest = Float.isNaN(v) || v <= largest ? largest : v;
            }
            if (largest == Float.NEGATIVE_INFINITY) {
                // oneDNN starts each window from the lowest finite float
                assertEquals(-Float.MAX_VALUE, pooled[w], "window " + w + " of NaNs and negative infinities: " + Arrays.toString(SPECIAL_WINDOWS[w]));
                withoutNumbers++;
                withNaN += nan ? 1 : 0;
                continue;
            }
            if (nan) {
                withNaN++;
                assertEquals(largest, pooled[w], "window " + w + " with a NaN: " + Arrays.toString(SPECIAL_WINDOWS[w]));
                continue;
            }
            assertEquals(Float.floatToRawIntBits(expected[w]), Float.floatToRawIntBits(pooled[w]), "window " + w);
            for (int e = 0; e < 4; e++) {
                assertEquals(expectedRouted[e / 2][2 * w + e % 2], routed[e / 2][2 * w + e % 2], "gradient in window " + w);
            }
        }
        assertEquals(windows - 9 * 9 * 9 * 9, withNaN);
        assertEquals(2 * 2 * 2 * 2, withoutNumbers);
    }

    @Test
    void otherPoolingsGoToLibnd4j() {
        // one helper per pooling, as in a network (libnd4j's helper keeps the arguments of its first call)
        INDArray input = Nd4j.randn(DataType.FLOAT, 2, 3, 7, 7);
        int[] kernel = {3, 3}, strides = {2, 2}, two = {2, 2};
        INDArray epsilon = Nd4j.randn(DataType.FLOAT, 2, 3, 3, 3);
        var strided = new MaxPoolLoops(DataType.FLOAT);
        INDArray expected = new MKLDNNSubsamplingHelper(DataType.FLOAT).backpropGradient(input, epsilon, kernel, strides, ZEROS,
                PoolingType.MAX, ConvolutionMode.Truncate, ONES, CNN2DFormat.NCHW, NONE).getSecond();
        assertTrue(expected.equals(strided.backpropGradient(input, epsilon, kernel, strides, ZEROS, PoolingType.MAX,
                ConvolutionMode.Truncate, ONES, CNN2DFormat.NCHW, NONE).getSecond()));
        assertEquals(null, strided.forward(input, kernel, strides, ZEROS, PoolingType.MAX, ConvolutionMode.Truncate, ONES,
                CNN2DFormat.NCHW, NONE));
        var view = new MaxPoolLoops(DataType.FLOAT);
        view.backpropGradient(input.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, 6), NDArrayIndex.interval(0, 6)),
                epsilon, two, two, ZEROS, PoolingType.MAX, ConvolutionMode.Truncate, ONES, CNN2DFormat.NCHW, NONE);
        var average = new MaxPoolLoops(DataType.FLOAT);
        average.backpropGradient(input.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, 6),
                NDArrayIndex.interval(0, 6)).dup(), epsilon, two, two, ZEROS, PoolingType.AVG, ConvolutionMode.Truncate, ONES,
                CNN2DFormat.NCHW, NONE);
        assertEquals(0, strided.passes + view.passes + average.passes, "strided 3x3, a view, and average pooling");
    }

    /** Puts libnd4j's pooling helper into each pooling layer of {@code layers}. */
    private static void withLibnd4jPooling(Layer[] layers) throws ReflectiveOperationException {
        NativeConvTest.withHelpers(layers, SubsamplingLayer.class, () -> new MKLDNNSubsamplingHelper(DataType.FLOAT));
    }

    @Test
    void aConvNetAndTheUNetTrainToTheSameParametersAsWithLibnd4jsPooling() throws Exception {
        var fast = Models.conv(1, 8, 8, List.of(3, 4), List.of(5), 4, new FastAdam(0.01), 11);
        var plain = new MultiLayerNetwork(fast.getLayerWiseConfigurations().clone());
        plain.init(fast.params().dup(), true);
        NativeConv.install(plain);
        withLibnd4jPooling(plain.getLayers());
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.rand(DataType.FLOAT, 16, 64);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 16, 4);
        for (int i = 0; i < 16; i++) {
            y.putScalar(i, i % 4, 1);
        }
        assertEquals(MaxPoolLayer.class, fast.getLayer(2).getClass());
        assertEquals(SubsamplingLayer.class, plain.getLayer(2).getClass());
        for (int i = 0; i < 3; i++) {
            fast.fit(new DataSet(x, y));
            plain.fit(new DataSet(x, y));
        }
        assertEquals(plain.params(), fast.params());
        assertEquals(plain.output(x), fast.output(x));
        assertEquals(3 * 2 + 1, ((MaxPoolLoops) fast.getLayer(2).getHelper()).passes, "3 forward and backward passes, 1 output");
        assertEquals(3, ((MaxPoolLoops) fast.getLayer(2).getHelper()).reused, "each backward pass took its forward pass's choices");

        var unet = UNet.create(1, 8, 8, List.of(4, 8), 3, 0, new FastAdam(1e-3), 3);
        var unetPlain = UNet.create(1, 8, 8, List.of(4, 8), 3, 0, new FastAdam(1e-3), 3);
        withLibnd4jPooling(unetPlain.network().getLayers());
        INDArray images = Nd4j.rand(DataType.FLOAT, 4, 64), c = Nd4j.rand(DataType.FLOAT, 4), target = Nd4j.rand(DataType.FLOAT, 4, 64);
        for (int i = 0; i < 2; i++) {
            unet.fit(images, c, target, null);
            unetPlain.fit(images, c, target, null);
        }
        assertEquals(unetPlain.network().params(), unet.network().params());
    }
}
