package org.repro4j.init;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The zero-mean distribution a variance-scaling initializer ({@link Xavier}, {@link Kaiming}) draws from. */
public enum Distribution {
    /** Gaussian N(0, std^2). */
    NORMAL,
    /** Uniform on [-sqrt(3) std, sqrt(3) std], whose standard deviation is {@code std}. */
    UNIFORM;

    /** Fills {@code view} in place with draws of standard deviation {@code std} from ND4J's generator. */
    INDArray fill(INDArray view, double std) {
        if (this == NORMAL) {
            return Nd4j.randn(view).muli(std);
        }
        double bound = Math.sqrt(3) * std;
        return Nd4j.rand(view, -bound, bound, Nd4j.getRandom());
    }
}
