package org.repro4j.norm;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/** Nets, data and the double-precision switch shared by the normalisation layers' tests. */
final class NormNets {

    private NormNets() {
    }

    /** Dense 5 -> 6 (tanh), then {@code norm}, then a softmax over 3 classes. */
    static MultiLayerNetwork dense(Layer norm, DataType dataType, IUpdater updater) {
        var net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(11).dataType(dataType).updater(updater).list()
                .layer(new DenseLayer.Builder().nOut(6).activation(Activation.TANH).build())
                .layer(norm)
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(5)).build());
        net.init();
        return net;
    }

    /** Gaussian features of mean 1 and standard deviation 2, always the same (seed 5). */
    static INDArray features(DataType dataType, long... shape) {
        Nd4j.getRandom().setSeed(5);
        return Nd4j.randn(dataType, shape).muli(2).addi(1);
    }

    /** One-hot labels of 3 classes, example i in class i mod 3. */
    static INDArray labels(DataType dataType, int n) {
        INDArray y = Nd4j.zeros(dataType, n, 3);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, i % 3, 1);
        }
        return y;
    }

    /** Runs {@code check} with ND4J's default floating-point type set to double, as DL4J's gradient check needs. */
    static void inDoublePrecision(Runnable check) {
        DataType before = Nd4j.defaultFloatingPointType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            check.run();
        } finally {
            Nd4j.setDefaultDataTypes(before, before);
        }
    }
}
