package org.repro4j.prune;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.repro4j.models.Models;

/**
 * Convolutions 1->2->2 (3x3) on 4x4 images, a 2x2 max-pool, dense 8->3 and the output, with the
 * first weight of the first convolution pruned.
 */
class ConvGradientScoresTest extends GradientScoresCheck {

    private static final MultiLayerNetwork NET = Models.conv(1, 4, 4, List.of(2), List.of(3), 2, new Adam(1e-3), 11);

    ConvGradientScoresTest() {
        super(NET, firstWeightPruned(NET), images(6, 5));
    }

    private static Masks firstWeightPruned(MultiLayerNetwork net) {
        Masks dense = Masks.dense(net);
        var masks = new LinkedHashMap<String, INDArray>();
        dense.keys().forEach(key -> masks.put(key, dense.get(key)));
        masks.get("0_W").putScalar(new long[] {0, 0, 0, 0}, 0);
        return Masks.of(net, masks);
    }

    private static DataSet images(int n, long seed) {
        var random = new SplittableRandom(seed);
        INDArray x = Nd4j.zeros(DataType.FLOAT, n, 16);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, 2);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 16; j++) {
                x.putScalar(i, j, random.nextDouble());
            }
            y.putScalar(i, i % 2, 1);
        }
        return new DataSet(x, y);
    }
}

