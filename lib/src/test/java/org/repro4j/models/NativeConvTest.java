package org.repro4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.Supplier;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.repro4j.diffusion.UNet;
import org.repro4j.optim.FastAdam;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

class NativeConvTest {

    private static MultiLayerNetwork conv() {
        return Models.conv(1, 8, 8, List.of(3), List.of(5), 4, new Sgd(0.1), 11);
    }

    /** Six random 8 x 8 images (seed 5) with one-hot labels i % 4: the conv tests' batch. */
    static DataSet batch() {
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.rand(DataType.FLOAT, 6, 64);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 6, 4);
        for (int i = 0; i < 6; i++) {
            y.putScalar(i, i % 4, 1);
        }
        return new DataSet(x, y);
    }

    @Test
    void convNetsGetTheNativeHelpersOnTheCpu() {
        var net = conv();
        assertNotNull(net.getLayer(0).getHelper());
        assertNotNull(net.getLayer(1).getHelper());
        assertNotNull(net.getLayer(2).getHelper());
        assertNull(net.getLayer(3).getHelper());
    }

    @Test
    void theNativePathGivesTheOutputsAndTheUpdateOfTheBuiltInOne() {
        var fast = conv();
        var slow = new MultiLayerNetwork(fast.getLayerWiseConfigurations().clone());
        slow.init(fast.params().dup(), true);
        assertNull(slow.getLayer(0).getHelper());
        DataSet batch = batch();
        INDArray a = fast.output(batch.getFeatures());
        INDArray b = slow.output(batch.getFeatures());
        assertTrue(a.equalsWithEps(b, 1e-5), () -> a + " vs " + b);
        fast.fit(batch);
        slow.fit(batch);
        assertEquals(slow.score(), fast.score(), 1e-5);
        INDArray pa = fast.params();
        INDArray pb = slow.params();
        assertTrue(pa.equalsWithEps(pb, 1e-5), "parameters differ after one step");
    }

    /** Puts a new {@code helper} into each layer of {@code layers} of {@code type} (which declares the field {@code helper}). */
    static void withHelpers(org.deeplearning4j.nn.api.Layer[] layers, Class<?> type, Supplier<?> helper)
            throws ReflectiveOperationException {
        var field = type.getDeclaredField("helper");
        field.setAccessible(true);
        for (var layer : layers) {
            if (type.isInstance(layer)) {
                field.set(layer, helper.get());
            }
        }
    }

    /** Puts DL4J's plain native helper, which computes z again in the backward pass, into each convolution of {@code layers}. */
    private static void withPlainHelpers(org.deeplearning4j.nn.api.Layer[] layers) throws ReflectiveOperationException {
        withHelpers(layers, ConvolutionLayer.class, () -> new MKLDNNConvHelper(DataType.FLOAT));
    }

    @Test
    void theBackwardPassReusesTheForwardOutputWithTheSameValuesToTheBit() throws Exception {
        // ReLU convolutions (Models.conv), trained with Adam
        var fast = Models.conv(1, 8, 8, List.of(3, 4), List.of(5), 4, new FastAdam(0.01), 11);
        var plain = new MultiLayerNetwork(fast.getLayerWiseConfigurations().clone());
        plain.init(fast.params().dup(), true);
        withPlainHelpers(plain.getLayers());
        DataSet batch = batch();
        for (int i = 0; i < 3; i++) {
            fast.fit(batch);
            plain.fit(batch);
        }
        assertEquals(plain.params(), fast.params());
        assertEquals(3, ((NativeConv.ConvHelper) fast.getLayer(0).getHelper()).reused);
        assertEquals(3, ((NativeConv.ConvHelper) fast.getLayer(1).getHelper()).reused);

        // identity convolutions feeding group norm and SiLU (the diffusion U-Net)
        var unet = UNet.create(1, 8, 8, List.of(4, 8), 3, 2, new FastAdam(1e-3), 3);
        var unetPlain = UNet.create(1, 8, 8, List.of(4, 8), 3, 2, new FastAdam(1e-3), 3);
        withPlainHelpers(unetPlain.network().getLayers());
        Nd4j.getRandom().setSeed(9);
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 64), c = Nd4j.rand(DataType.FLOAT, 4), target = Nd4j.rand(DataType.FLOAT, 4, 64);
        for (int i = 0; i < 2; i++) {
            unet.fit(x, c, target, null);
            unetPlain.fit(x, c, target, null);
        }
        assertEquals(unetPlain.network().params(), unet.network().params());
        long reused = java.util.Arrays.stream(unet.network().getLayers()).filter(l -> l.getHelper() instanceof NativeConv.ConvHelper)
                .mapToLong(l -> ((NativeConv.ConvHelper) l.getHelper()).reused).sum();
        assertTrue(reused > 0, "no backward pass reused a forward output");
    }

    @Test
    void aNetWithGaussianDropoutComputesZAgain() {
        var net = new MultiLayerNetwork(new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().seed(1).updater(new Sgd(0.1)).list()
                .layer(new org.deeplearning4j.nn.conf.layers.ConvolutionLayer.Builder(3, 3).nOut(3).activation(org.nd4j.linalg.activations.Activation.RELU).build())
                .layer(new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nOut(5).activation(org.nd4j.linalg.activations.Activation.RELU)
                        .dropOut(new org.deeplearning4j.nn.conf.dropout.GaussianDropout(0.5)).build())
                .layer(new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder().nOut(4).activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build())
                .setInputType(org.deeplearning4j.nn.conf.inputs.InputType.convolutionalFlat(8, 8, 1)).build());
        net.init();
        NativeConv.install(net);
        net.fit(batch());
        assertEquals(0, ((NativeConv.ConvHelper) net.getLayer(0).getHelper()).reused);
    }
}
