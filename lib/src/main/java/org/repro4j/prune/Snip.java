package org.repro4j.prune;

import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * SNIP, connection sensitivity (Lee, Ajanthan and Torr, "SNIP: Single-shot Network Pruning based on
 * Connection Sensitivity", ICLR 2019, eq. 6): {@code |g ⊙ w|}, with {@code g} the gradient of the
 * mean loss on a sample batch with respect to the masked weights. The paper normalises by the sum
 * over all weights, a factor common to every score that does not change the selection.
 */
public final class Snip {

    private Snip() {
    }

    /** The SNIP score of every prunable weight of {@code net} under {@code masks}, on {@code batch}. */
    public static Map<String, INDArray> scores(Model net, Masks masks, DataSet batch) {
        Model copy = Gradients.copy(net, masks);
        try {
            Map<String, INDArray> gradients = Gradients.of(copy, masks.keys(), batch);
            var scores = new LinkedHashMap<String, INDArray>();
            for (String key : masks.keys()) {
                scores.put(key, Transforms.abs(gradients.get(key).mul(copy.getParam(key)), false));
            }
            return scores;
        } finally {
            Gradients.release(copy);
        }
    }
}
