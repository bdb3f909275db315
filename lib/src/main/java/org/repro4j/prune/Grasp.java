package org.repro4j.prune;

import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * GraSP, gradient signal preservation (Wang, Zhang and Grosse, "Picking Winning Tickets Before
 * Training by Preserving Gradient Flow", ICLR 2020, eq. 8): {@code w ⊙ (H g)}, with {@code g} the
 * gradient and {@code H} the Hessian of the mean loss on a sample batch, both over the weights the
 * masks keep. The paper removes the weights with the highest {@code -w ⊙ Hg}; {@link Selection}
 * keeps the highest {@code w ⊙ Hg}, the same weights (as in the Synaptic-Flow code).
 *
 * <p>DL4J cannot differentiate twice, so {@code Hg} is a central difference of gradients in
 * float64, {@code Hg ≈ (∇L(w + εg) − ∇L(w − εg)) / 2ε}, exact for a quadratic loss and in error by
 * {@code O(ε²)} otherwise. {@code ε = 1e-5 ||w|| / ||g||} (norms over the kept weights) moves the
 * weights by 1e-5 of their norm: small against the curvature's scale, large against float64's
 * rounding (relative error about {@code 1e-16 / 1e-5}). The official code's softmax temperature
 * (200) is not applied.
 */
public final class Grasp {

    /** The step {@code ||εg||} as a fraction of {@code ||w||}. */
    static final double RELATIVE_STEP = 1e-5;

    private Grasp() {
    }

    /** The GraSP score of every prunable weight of {@code net} under {@code masks}, on {@code batch}. */
    public static Map<String, INDArray> scores(Model net, Masks masks, DataSet batch) {
        Model copy = Gradients.copy(net, masks);
        try {
            return scoresOn(copy, masks, batch);
        } finally {
            Gradients.release(copy);
        }
    }

    /** The scores on {@code copy}, from {@link Gradients#copy}. */
    private static Map<String, INDArray> scoresOn(Model copy, Masks masks, DataSet batch) {
        var weights = new LinkedHashMap<String, INDArray>();
        var mask = new LinkedHashMap<String, INDArray>();
        for (String key : masks.keys()) {
            weights.put(key, copy.getParam(key).dup());
            mask.put(key, masks.get(key).castTo(DataType.DOUBLE));
        }
        Map<String, INDArray> g = Gradients.of(copy, masks.keys(), batch);
        double wNorm = 0, gNorm = 0;
        for (String key : masks.keys()) {
            g.get(key).muli(mask.get(key));
            wNorm += weights.get(key).mul(weights.get(key)).sumNumber().doubleValue();
            gNorm += g.get(key).mul(g.get(key)).sumNumber().doubleValue();
        }
        var scores = new LinkedHashMap<String, INDArray>();
        if (gNorm == 0) {
            // a flat loss: Hg = 0
            masks.keys().forEach(key -> scores.put(key, weights.get(key).mul(0)));
            return scores;
        }
        double epsilon = RELATIVE_STEP * Math.sqrt(wNorm / gNorm);
        Map<String, INDArray> plus = shiftedGradients(copy, weights, g, epsilon, batch);
        Map<String, INDArray> minus = shiftedGradients(copy, weights, g, -epsilon, batch);
        for (String key : masks.keys()) {
            INDArray hg = plus.get(key).sub(minus.get(key)).divi(2 * epsilon).muli(mask.get(key));
            scores.put(key, weights.get(key).mul(hg));
        }
        return scores;
    }

    /** {@code ∇L(w + step g)}, then the weights restored. */
    private static Map<String, INDArray> shiftedGradients(Model copy, Map<String, INDArray> weights,
            Map<String, INDArray> g, double step, DataSet batch) {
        weights.forEach((key, w) -> copy.getParam(key).assign(w.add(g.get(key).mul(step))));
        Map<String, INDArray> gradients = Gradients.of(copy, weights.keySet(), batch);
        weights.forEach((key, w) -> copy.getParam(key).assign(w));
        return gradients;
    }
}
