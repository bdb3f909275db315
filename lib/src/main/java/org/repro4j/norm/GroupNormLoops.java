package org.repro4j.norm;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.repro4j.HostArrays;

/**
 * Group normalization's forward and backward passes (Wu and He, "Group Normalization", ECCV 2018, eq. 1-2
 * and 6) as plain loops over C-order float arrays. An input [n, c, positions] holds n * groups sets S_i of
 * {@code m = c / groups * positions} consecutive values each (eq. 7); each set is normalised by its own mean and
 * (biased) variance, then scaled and shifted per channel. One set at a time is read into a float scratch array: its
 * sums run in double, in four interleaved partial sums of pairs (one running sum waits on each addition, and Java may
 * not reorder floating-point additions), and the per-element passes in float, which the JIT vectorises.
 *
 * <p>Why loops: as ND4J ops, the same arithmetic is about fifteen calls, each allocating its result; on
 * the diffusion U-Net (14x14 images, 16-32 channels, batch 128) they made up a third of a train step.
 */
final class GroupNormLoops {

    private final int n;
    private final int groups;
    private final int channelsPerGroup;
    private final int positions;
    private final double eps;

    /**
     * @param n         examples
     * @param channels  channels, a multiple of {@code groups}
     * @param groups    groups of consecutive channels
     * @param positions values per channel and example (h * w; 1 for dense features)
     * @param eps       added to each set's variance
     */
    GroupNormLoops(int n, int channels, int groups, int positions, double eps) {
        this.n = n;
        this.groups = groups;
        this.channelsPerGroup = channels / groups;
        this.positions = positions;
        this.eps = eps;
    }

    /** Whether the loops take {@code a}: a float array in C order in one run of host memory. */
    static boolean accepts(INDArray a) {
        return a.dataType() == DataType.FLOAT && HostArrays.inCOrder(a);
    }

    private int setSize() {
        return channelsPerGroup * positions;
    }

    /** Eq. 6: {@code y = gamma * (x - mean) / sqrt(var + eps) + beta}, the statistics of each set; y has x's shape. */
    void forward(INDArray x, double[] gamma, double[] beta, INDArray y) {
        int m = setSize();
        FloatBuffer xs = HostArrays.floats(x), ys = HostArrays.floats(y);
        float[] v = new float[m];
        for (int set = 0; set < n * groups; set++) {
            int start = set * m;
            xs.get(start, v);
            double mean = sum(v, 0, m) / m;
            double inverseStd = inverseStd(v, m, mean);
            for (int k = 0; k < channelsPerGroup; k++) {
                int channel = channel(set, k);
                double scale = inverseStd * gamma[channel];
                float s = (float) scale, shift = (float) (beta[channel] - mean * scale);
                for (int i = k * positions, end = i + positions; i < end; i++) {
                    v[i] = v[i] * s + shift;
                }
            }
            ys.put(start, v);
        }
    }

    /**
     * The backward pass from the input {@code x} and dL/dy: writes dL/dx into {@code dx}, and adds dL/dgamma and dL/dbeta
     * (one per channel) into {@code dGamma} and {@code dBeta}. Per set, with x̂ = (x - mean) / σ and σ = sqrt(var + eps):
     * {@code dL/dx = (dx̂ - mean(dx̂) - x̂ * mean(dx̂ * x̂)) / σ}, {@code dx̂ = gamma * dL/dy}; per channel
     * {@code sum(dL/dy * x̂) = (sum(dL/dy * x) - mean * sum(dL/dy)) / σ}, so dL/dx is {@code a dL/dy + b x + c} with a per
     * channel and b, c per set.
     */
    void backward(INDArray x, INDArray dy, double[] gamma, double[] dGamma, double[] dBeta, INDArray dx) {
        int m = setSize();
        FloatBuffer xs = HostArrays.floats(x), dys = HostArrays.floats(dy), dxs = HostArrays.floats(dx);
        float[] v = new float[m], d = new float[m];
        for (int set = 0; set < n * groups; set++) {
            int start = set * m;
            xs.get(start, v);
            dys.get(start, d);
            double mean = sum(v, 0, m) / m;
            double inverseStd = inverseStd(v, m, mean);
            double sumDxHat = 0, sumDxHatXHat = 0;
            for (int k = 0; k < channelsPerGroup; k++) {
                int channel = channel(set, k);
                double b = sum(d, k * positions, positions);
                double g = inverseStd * (dot(d, v, k * positions, positions) - mean * b);
                dBeta[channel] += b;
                dGamma[channel] += g;
                sumDxHat += gamma[channel] * b;
                sumDxHatXHat += gamma[channel] * g;
            }
            double meanDxHat = sumDxHat / m, meanDxHatXHat = sumDxHatXHat / m;
            float perX = (float) (-inverseStd * inverseStd * meanDxHatXHat);
            float constant = (float) (inverseStd * (mean * inverseStd * meanDxHatXHat - meanDxHat));
            for (int k = 0; k < channelsPerGroup; k++) {
                float perDy = (float) (gamma[channel(set, k)] * inverseStd);
                for (int i = k * positions, end = i + positions; i < end; i++) {
                    d[i] = perDy * d[i] + perX * v[i] + constant;
                }
            }
            dxs.put(start, d);
        }
    }

    /** The channel of the {@code k}-th channel of set {@code set} (sets run over examples, then groups). */
    private int channel(int set, int k) {
        return (set % groups) * channelsPerGroup + k;
    }

    /** v[from] + ... + v[from + length - 1] in double, in four partial sums of pairs. */
    private static double sum(float[] v, int from, int length) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = from, end = from + length;
        for (; i + 7 < end; i += 8) {
            s0 += (double) v[i] + v[i + 4];
            s1 += (double) v[i + 1] + v[i + 5];
            s2 += (double) v[i + 2] + v[i + 6];
            s3 += (double) v[i + 3] + v[i + 7];
        }
        for (; i < end; i++) {
            s0 += v[i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** The dot product of a and b over [from, from + length) in double, in four partial sums of pairs. */
    private static double dot(float[] a, float[] b, int from, int length) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = from, end = from + length;
        for (; i + 7 < end; i += 8) {
            s0 += (double) a[i] * b[i] + (double) a[i + 4] * b[i + 4];
            s1 += (double) a[i + 1] * b[i + 1] + (double) a[i + 5] * b[i + 5];
            s2 += (double) a[i + 2] * b[i + 2] + (double) a[i + 6] * b[i + 6];
            s3 += (double) a[i + 3] * b[i + 3] + (double) a[i + 7] * b[i + 7];
        }
        for (; i < end; i++) {
            s0 += (double) a[i] * b[i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** 1 / sqrt(var + eps), var the biased variance of v[0, m) about {@code mean} (two passes: no cancellation). */
    private double inverseStd(float[] v, int m, double mean) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 7 < m; i += 8) {
            double d0 = v[i] - mean, d1 = v[i + 1] - mean, d2 = v[i + 2] - mean, d3 = v[i + 3] - mean;
            double d4 = v[i + 4] - mean, d5 = v[i + 5] - mean, d6 = v[i + 6] - mean, d7 = v[i + 7] - mean;
            s0 += d0 * d0 + d4 * d4;
            s1 += d1 * d1 + d5 * d5;
            s2 += d2 * d2 + d6 * d6;
            s3 += d3 * d3 + d7 * d7;
        }
        for (; i < m; i++) {
            double d = v[i] - mean;
            s0 += d * d;
        }
        return 1 / Math.sqrt(((s0 + s1) + (s2 + s3)) / m + eps);
    }
}
