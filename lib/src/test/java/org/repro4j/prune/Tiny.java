package org.repro4j.prune;

import java.util.List;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.repro4j.models.Models;

/** Tiny networks, batches and masks for the pruning tests. */
final class Tiny {

    private Tiny() {
    }

    /** A 3-4-2 ReLU MLP with softmax output. */
    static MultiLayerNetwork mlp(long seed) {
        return Models.mlp(3, List.of(4), 2, new Adam(1e-3), seed);
    }

    /** {@code n} Gaussian examples of 3 features with one-hot labels of 2 classes. */
    static DataSet batch(int n, long seed) {
        var random = new SplittableRandom(seed);
        INDArray x = Nd4j.zeros(DataType.FLOAT, n, 3);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, 2);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 3; j++) {
                x.putScalar(i, j, random.nextGaussian());
            }
            y.putScalar(i, i % 2, 1);
        }
        return new DataSet(x, y);
    }

    /** Dense masks of {@code net} with weight [0, 0] of its first layer and [1, 1] of its last pruned. */
    static Masks someMasksPruned(MultiLayerNetwork net) {
        Masks dense = Masks.dense(net);
        var masks = new java.util.LinkedHashMap<String, INDArray>();
        for (String key : dense.keys()) {
            masks.put(key, dense.get(key));
        }
        masks.get("0_W").putScalar(0, 0, 0);
        masks.get(net.getnLayers() - 1 + "_W").putScalar(1, 1, 0);
        return Masks.of(net, masks);
    }

    /** Every parameter of {@code net} as doubles, flat. */
    static double[] params(Model net) {
        return net.params().castTo(DataType.DOUBLE).data().asDouble();
    }
}
