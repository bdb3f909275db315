package org.repro4j.optim;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;
import org.repro4j.Check;

/**
 * LAMB, You et al., "Large Batch Optimization for Deep Learning: Training BERT in 76 minutes" (ICLR
 * 2020), Algorithm 2, used with ND4J's {@code Adam} (which gives eta * r, r = m_hat / (sqrt(v_hat)
 * + epsilon), with bias correction): each parameter tensor's Adam update u = eta * r is replaced by
 * {@code eta * ||w|| / ||r + lambda w|| * (r + lambda w)}, the layer-wise trust ratio with
 * phi the identity (1 when ||w|| or ||r + lambda w|| is 0).
 *
 * <p>Use as each layer's (weights') regularization, in place of weight decay, whose role {@code
 * lambda} takes, beside {@code new Adam(eta, beta1, beta2, epsilon)}; not network-wide (see the
 * package documentation). ND4J's Adam adds epsilon to sqrt(v) before its bias correction, not
 * after. It adds nothing to the reported score.
 *
 * @param lambda weight decay, at least 0 (the paper's 0.01)
 */
public record Lamb(@JsonProperty("lambda") double lambda) implements Regularization {

    @JsonCreator
    public Lamb {
        Check.nonNegative("lambda", lambda);
    }

    @Override
    public ApplyStep applyStep() {
        return ApplyStep.POST_UPDATER;
    }

    @Override
    public void apply(INDArray param, INDArray update, double lr, int iteration, int epoch) {
        // update holds eta * r; eta * (r + lambda w) = update + eta * lambda * w
        update.addi(param.mul(lr * lambda));
        double w = param.norm2Number().doubleValue(), step = update.norm2Number().doubleValue() / lr;
        if (w > 0 && step > 0) {
            update.muli(w / step);
        }
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
