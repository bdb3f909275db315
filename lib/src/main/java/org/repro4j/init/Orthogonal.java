package org.repro4j.init;

import java.util.Arrays;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;
import org.repro4j.Check;

/**
 * Random (semi-)orthogonal weights, Saxe, McClelland and Ganguli, "Exact solutions to the nonlinear
 * dynamics of learning in deep linear neural networks" (ICLR 2014), section 3: the Q factor of the
 * QR decomposition of a Gaussian matrix, its columns' signs made those of R's diagonal so that Q
 * is Haar-distributed (Mezzadri 2007), times {@code gain}.
 *
 * <p>The tensor is seen as a matrix of {@code shape[0]} rows and {@code shape[1] * shape[2] * ...}
 * columns (a convolution's [out, in, kH, kW] as [out, in*kH*kW]; a DL4J dense layer's [nIn, nOut]
 * as is). With at least as many rows as columns, W^T W = gain^2 I; otherwise W W^T = gain^2 I.
 *
 * @param gain factor on every weight ({@link Gains}), above 0
 */
public record Orthogonal(@JsonProperty("gain") double gain) implements IWeightInit {

    @JsonCreator
    public Orthogonal {
        Check.positive("gain", gain);
    }

    @Override
    public INDArray init(double fanIn, double fanOut, long[] shape, char order, INDArray paramView) {
        long rows = shape[0], cols = Arrays.stream(shape, 1, shape.length).reduce(1, (a, b) -> a * b);
        // QR of a tall Gaussian matrix; Q has orthonormal columns
        INDArray[] qr = Nd4j.linalg().qr(Nd4j.randn(DataType.DOUBLE, Math.max(rows, cols), Math.min(rows, cols)), false);
        INDArray signs = Nd4j.create(DataType.DOUBLE, Math.min(rows, cols));
        for (int j = 0; j < signs.length(); j++) {
            signs.putScalar(j, qr[1].getDouble(j, j) < 0 ? -gain : gain);
        }
        INDArray q = qr[0].mulRowVector(signs);
        INDArray matrix = rows >= cols ? q : q.transpose();
        INDArray weights = paramView.reshape(order, shape);
        weights.assign(matrix.castTo(paramView.dataType()).reshape('c', shape));
        return weights;
    }
}
