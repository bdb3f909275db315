package org.repro4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.repro4j.optim.FastAdam;

class ReluTest {

    private static final float[] SPECIAL = {0f, -0f, 1f, -1f, Float.NaN, Float.intBitsToFloat(0xffc00000), Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE, 3e-39f};

    /** libnd4j's relu_bp through DL4J's plain ReLU. */
    private static INDArray dl4j(INDArray z, INDArray epsilon) {
        return new ActivationReLU().backprop(z.dup(), epsilon).getFirst();
    }

    /** Every pair of special values as z and dL/da: the same bits as libnd4j's, in float and in double. */
    @Test
    void specialValuesGiveLibnd4jsBits() {
        int n = SPECIAL.length;
        float[] z = new float[n * n], epsilon = new float[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                z[i * n + j] = SPECIAL[i];
                epsilon[i * n + j] = SPECIAL[j];
            }
        }
        INDArray zf = Nd4j.createFromArray(z), ef = Nd4j.createFromArray(epsilon);
        assertBitsEqual(dl4j(zf, ef), Relu.backprop(zf, ef));
        INDArray zd = zf.castTo(DataType.DOUBLE), ed = ef.castTo(DataType.DOUBLE);
        assertBitsEqual(dl4j(zd, ed), Relu.backprop(zd, ed));
    }

    /** Normal values over several of the loops' chunks and a part chunk, and an F-order pair (libnd4j's op), as libnd4j gives them. */
    @Test
    void arraysOfManyChunksAndOtherOrdersGiveLibnd4jsBits() {
        Nd4j.getRandom().setSeed(3);
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            INDArray z = Nd4j.randn(type, 97, 131), epsilon = Nd4j.randn(type, 97, 131);
            INDArray out = Relu.backprop(z, epsilon);
            assertBitsEqual(dl4j(z, epsilon), out);
            assertEquals(z.shapeInfoToString(), out.shapeInfoToString());
            assertBitsEqual(dl4j(z, epsilon), Relu.backprop(z.dup('f'), epsilon.dup('f')).dup('c'));
        }
    }

    @Test
    void onlyThePlainReluIsPlain() {
        assertTrue(Relu.plain(new ActivationReLU()));
        assertFalse(Relu.plain(new ActivationReLU(6.0, null, null)));
        assertFalse(Relu.plain(new ActivationReLU(null, 0.0, 0.0)));
        assertFalse(Relu.plain(new Relu.Backprop()));
    }

    /**
     * A conv net gets the ReLU convolutions; their configuration keeps DL4J's ReLU after training (so the saved network
     * is as DL4J's), and training gives the parameters of the network without them to the bit.
     */
    @Test
    void reluConvolutionsKeepTheConfigurationAndTrainToTheBitOfDl4jsLayers() {
        var fast = Models.conv(1, 8, 8, List.of(3, 4), List.of(5), 4, new FastAdam(0.01), 11);
        String old = System.getProperty(Relu.PROPERTY);
        MultiLayerNetwork plain;
        System.setProperty(Relu.PROPERTY, "false");
        try {
            plain = FastLayers.install(init(new MultiLayerNetwork(fast.getLayerWiseConfigurations().clone()), fast.params()));
        } finally {
            if (old == null) {
                System.clearProperty(Relu.PROPERTY);
            } else {
                System.setProperty(Relu.PROPERTY, old);
            }
        }
        for (int i = 0; i < fast.getnLayers(); i++) {
            boolean conv = fast.getLayer(i).conf().getLayer() instanceof ConvolutionLayer;
            assertEquals(conv, fast.getLayer(i) instanceof ReluConvolutionLayer, "layer " + i);
        }
        assertSame(org.deeplearning4j.nn.layers.convolution.ConvolutionLayer.class, plain.getLayer(0).getClass());
        DataSet batch = NativeConvTest.batch();
        for (int i = 0; i < 3; i++) {
            fast.fit(batch);
            plain.fit(batch);
        }
        assertBitsEqual(plain.params(), fast.params());
        assertSame(ActivationReLU.class, ((ConvolutionLayer) fast.getLayer(0).conf().getLayer()).getActivationFn().getClass());
        assertEquals(plain.getLayerWiseConfigurations().toJson(), fast.getLayerWiseConfigurations().toJson());
    }

    private static MultiLayerNetwork init(MultiLayerNetwork net, INDArray params) {
        net.init(params.dup(), true);
        return net;
    }

    private static void assertBitsEqual(INDArray expected, INDArray actual) {
        assertEquals(expected.dataType(), actual.dataType());
        INDArray e = expected.dup('c').reshape(expected.length()), a = actual.dup('c').reshape(actual.length());
        if (expected.dataType() == DataType.FLOAT) {
            assertArrayEquals(bits(e.toFloatVector()), bits(a.toFloatVector()));
        } else {
            assertArrayEquals(bits(e.toDoubleVector()), bits(a.toDoubleVector()));
        }
    }

    private static int[] bits(float[] v) {
        int[] b = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = Float.floatToRawIntBits(v[i]);
        }
        return b;
    }

    private static long[] bits(double[] v) {
        long[] b = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = Double.doubleToRawLongBits(v[i]);
        }
        return b;
    }
}
