package org.repro4j.optim;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;
import org.repro4j.Check;

/**
 * LARS, You, Gitman and Ginsburg, "Large Batch Training of Convolutional Networks" (2017),
 * Algorithm 1, eq. 6: each parameter tensor's gradient g is replaced, before the updater, by
 * {@code lambda * (g + beta * w)} with the local learning rate {@code lambda = eta * ||w|| / (||g||
 * + beta * ||w||)} (1 when ||w|| or ||g|| is 0, as in common implementations). The updater then
 * applies the global learning rate: with ND4J's {@code Sgd} this is eq. 6 without momentum; eq. 7's
 * heavy-ball momentum is not in ND4J ({@code Nesterovs} is Nesterov's, a close variant).
 *
 * <p>Use as each layer's (weights') regularization, in place of L2/weight decay, whose role {@code
 * beta} takes; not network-wide (see the package documentation). It adds nothing to the reported
 * score.
 *
 * @param eta   trust coefficient, above 0 (the paper's 0.001)
 * @param beta  weight decay, at least 0 (the paper's 0.0005)
 */
public record Lars(@JsonProperty("eta") double eta, @JsonProperty("beta") double beta) implements Regularization {

    @JsonCreator
    public Lars {
        Check.positive("eta", eta);
        Check.nonNegative("beta", beta);
    }

    @Override
    public ApplyStep applyStep() {
        return ApplyStep.BEFORE_UPDATER;
    }

    @Override
    public void apply(INDArray param, INDArray gradView, double lr, int iteration, int epoch) {
        double w = param.norm2Number().doubleValue(), g = gradView.norm2Number().doubleValue();
        double local = w > 0 && g > 0 ? eta * w / (g + beta * w) : 1;
        gradView.addi(param.mul(beta)).muli(local);
    }

    @Override
    public double score(INDArray param, int iteration, int epoch) {
        return 0;
    }

    @Override
    public Regularization clone() {
        return this;
    }
}
