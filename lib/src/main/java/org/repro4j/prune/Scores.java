package org.repro4j.prune;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Per-weight importance scores, keyed like {@link Masks}; {@link Selection} keeps the highest.
 * These two need neither data nor gradients; the gradient-based ones live beside them.
 */
public final class Scores {

    private Scores() {
    }

    /** |w|: magnitude pruning (Han et al. 2015; the Lottery Ticket's pruning criterion). */
    public static Map<String, INDArray> magnitude(Model net, Masks masks) {
        var scores = new LinkedHashMap<String, INDArray>();
        for (String key : masks.keys()) {
            scores.put(key, Transforms.abs(net.getParam(key), true));
        }
        return scores;
    }

    /** Independent uniform draws in [0, 1) from a generator seeded with {@code seed}: random pruning. */
    public static Map<String, INDArray> random(Masks masks, long seed) {
        var random = new SplittableRandom(seed);
        var scores = new LinkedHashMap<String, INDArray>();
        for (String key : masks.keys()) {
            INDArray mask = masks.get(key);
            double[] values = new double[(int) mask.length()];
            for (int i = 0; i < values.length; i++) {
                values[i] = random.nextDouble();
            }
            scores.put(key, Nd4j.create(values, mask.shape(), 'c').castTo(DataType.DOUBLE));
        }
        return scores;
    }
}
