package org.repro4j.diffusion;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.repro4j.data.Dataset;

/**
 * How alike two images are, measured as Kadkhodaie et al. 2024 do ("Generalization in diffusion models arises from
 * geometry-adaptive harmonic representations", section 2 and Fig. 1; {@code im_set_corr} in their code): the cosine
 * similarity of the two images after each has lost its own mean, which is the correlation of their pixels. It is
 * 1 for an image and any brighter or higher-contrast copy of it, about 0 for unrelated textures and -1 for a
 * negative. Without the mean removed, any two images of non-negative pixels would look alike. A constant image has
 * no direction: it counts as uncorrelated (similarity 0) with every image, as in their code.
 *
 * <p>Images are rows [n, d] (as {@link org.repro4j.data.Dataset} stores them); every result is computed in double precision.
 */
public final class Similarity {

    /** A centred row whose norm is below this fraction of the raw row's is taken as constant (rounding of the mean leaves ~1e-16). */
    private static final double CONSTANT = 1e-9;

    private Similarity() {
    }

    /** For each row of a search, the most similar row of the set searched and that similarity. */
    public record Match(int[] index, double[] similarity) {
    }

    /**
     * The images with their mean removed and scaled to unit norm, double [n, d]; a constant row becomes all zeros.
     * The dot product of two such rows is their similarity.
     */
    public static INDArray centred(INDArray images) {
        Distances.checkMatrix("images", images, -1);
        INDArray raw = images.castTo(DataType.DOUBLE);
        INDArray centred = raw.subColumnVector(raw.mean(1).reshape(-1, 1));
        double[] norms = centred.norm2(1).toDoubleVector(), rawNorms = raw.norm2(1).toDoubleVector();
        double[] scale = new double[norms.length];
        for (int i = 0; i < norms.length; i++) {
            scale[i] = norms[i] > CONSTANT * rawNorms[i] ? 1 / norms[i] : 0;
        }
        return centred.muliColumnVector(Nd4j.createFromArray(scale).reshape(-1, 1));
    }

    /** The similarity of every row of {@code x} [n, d] with every row of {@code y} [m, d], double [n, m]. */
    public static INDArray matrix(INDArray x, INDArray y) {
        Distances.checkMatrix("x", x, -1);
        Distances.checkMatrix("y", y, x.columns());
        return centred(x).mmul(centred(y).transpose());
    }

    /** The similarity of row i of {@code x} with row i of {@code y}, both [n, d] (e.g. two models' samples from the same noise). */
    public static double[] paired(INDArray x, INDArray y) {
        checkPaired(x, y, 1);
        return centred(x).muli(centred(y)).sum(1).toDoubleVector();
    }

    /**
     * For each i, the similarity of x_i with its partner y_i minus its mean similarity with the other rows of y,
     * sim(x_i, y_i) - mean over j != i of sim(x_i, y_j). For two models' samples from the same noise (row i from
     * noise i) this is how much more alike the models make the same noise than different noises: about 0 when
     * each model ignores the noise (a memorised image, or the same blurry mean for every noise), whatever the raw
     * similarity. Needs n >= 2.
     */
    public static double[] pairedExcess(INDArray x, INDArray y) {
        checkPaired(x, y, 2);
        INDArray cx = centred(x), cy = centred(y);
        // row i's similarities with all of y sum to x_i . (sum of y's rows): no n x n matrix needed
        double[] rowSums = cx.mmul(cy.sum(0).reshape(-1, 1)).toDoubleVector(), diagonal = cx.mul(cy).sum(1).toDoubleVector();
        int n = diagonal.length;
        double[] excess = new double[n];
        for (int i = 0; i < n; i++) {
            excess[i] = diagonal[i] - (rowSums[i] - diagonal[i]) / (n - 1);
        }
        return excess;
    }

    /** The mean similarity over all pairs i != j of rows of {@code x} [n, d], n >= 2: near 1 when the images are all alike, lower for a varied set. */
    public static double meanPairwise(INDArray x) {
        checkPaired(x, x, 2);
        INDArray c = centred(x);
        double n = x.rows();
        // the sum over all pairs is |sum of rows|^2; the diagonal adds |row|^2 (1, or 0 for a constant row)
        double all = c.sum(0).norm2Number().doubleValue(), diagonal = c.mul(c).sumNumber().doubleValue();
        return (all * all - diagonal) / (n * (n - 1));
    }

    /**
     * For each of the {@code samples} [n, d], the most similar row of {@code training} [m, d] (the first of ties) and
     * its similarity: the "closest training image" of Kadkhodaie et al.'s Fig. 1, whose similarity near 1 marks a
     * memorised sample. On the centred unit rows the most similar row is the nearest in Euclidean distance, so the
     * search is {@link Distances#nearest}'s, blocked for large training sets.
     */
    public static Match nearest(INDArray samples, INDArray training) {
        Distances.checkMatrix("samples", samples, -1);
        Distances.checkMatrix("training", training, samples.columns());
        INDArray s = centred(samples), t = centred(training);
        int[] index = Distances.nearest(s, t).index();
        double[] similarity = s.muli(Dataset.gatherRows(t, index)).sum(1).toDoubleVector();
        return new Match(index, similarity);
    }

    private static void checkPaired(INDArray x, INDArray y, int min) {
        Distances.checkMatrix("x", x, -1);
        Distances.checkMatrix("y", y, x.columns());
        if (y.rows() != x.rows() || x.rows() < min) {
            throw new IllegalArgumentException("x, y: expected the same number of rows, at least " + min + ", got " + x.rows()
                    + " and " + y.rows());
        }
    }
}
