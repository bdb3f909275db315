package org.repro4j.norm;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.repro4j.HostArrays;
import org.repro4j.HostLoops;

/**
 * Group normalization's forward and backward passes (Wu and He, "Group Normalization", ECCV 2018, eq. 1-2
 * and 6) as plain loops over C-order float arrays. An input [n, c, positions] holds n * groups sets S_i of
 * {@code m = c / groups * positions} consecutive values each (eq. 7); each set is normalised by its own mean and
 * (biased) variance, then scaled and shifted per channel. One set at a time is read into a float scratch array. Its
 * sums run in eight (or four) float partial sums, added in double at the end: one running sum waits on each addition,
 * Java may not reorder floating-point additions, and the JIT does not vectorise a sum, so independent partial sums are
 * what keeps the adder busy (0.13 ns an element here, against 0.23 for four partial sums in double). Each partial sum
 * adds m / 8 values in float, as PyTorch's own group norm sums in float. The per-element passes run in float, which
 * the JIT vectorises. The backward pass takes the forward pass's statistics for the same input instead of two passes
 * more, and sums dL/dy and dL/dy * x of a channel in one pass. The sets are split across {@link HostLoops}' threads; each
 * range of sets sums its own dL/dgamma and dL/dbeta, so only the order of those sums depends on the threads.
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

    /** Each set's mean and 1 / sqrt(var + eps), in the order of the sets: a forward pass's, for the backward pass on the same input. */
    record Statistics(double[] mean, double[] inverseStd) {
    }

    /**
     * Eq. 6: {@code y = gamma * (x - mean) / sqrt(var + eps) + beta}, the statistics of each set; y has x's shape. Returns
     * the statistics, which {@link #backward} takes for the same input.
     */
    Statistics forward(INDArray x, double[] gamma, double[] beta, INDArray y) {
        int m = setSize();
        FloatBuffer xs = HostArrays.floats(x), ys = HostArrays.floats(y);
        double[] means = new double[n * groups], inverseStds = new double[n * groups];
        HostLoops.split(n * groups, HostLoops.grain(m), (from, to) -> {
            float[] v = new float[m];
            for (int set = from; set < to; set++) {
                int start = set * m;
                xs.get(start, v);
                double mean = sum(v, 0, m) / m;
                double inverseStd = inverseStd(v, m, mean);
                means[set] = mean;
                inverseStds[set] = inverseStd;
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
        });
        return new Statistics(means, inverseStds);
    }

    /**
     * The backward pass from the input {@code x} and dL/dy: writes dL/dx into {@code dx}, and adds dL/dgamma and dL/dbeta
     * (one per channel) into {@code dGamma} and {@code dBeta}. Per set, with x̂ = (x - mean) / σ and σ = sqrt(var + eps):
     * {@code dL/dx = (dx̂ - mean(dx̂) - x̂ * mean(dx̂ * x̂)) / σ}, {@code dx̂ = gamma * dL/dy}; per channel
     * {@code sum(dL/dy * x̂) = (sum(dL/dy * x) - mean * sum(dL/dy)) / σ}, so dL/dx is {@code a dL/dy + b x + c} with a per
     * channel and b, c per set. {@code statistics}: those {@link #forward} returned for this {@code x}, or null to compute
     * them again (the same values).
     */
    void backward(INDArray x, INDArray dy, double[] gamma, double[] dGamma, double[] dBeta, INDArray dx, Statistics statistics) {
        int sets = n * groups;
        FloatBuffer xs = HostArrays.floats(x), dys = HostArrays.floats(dy), dxs = HostArrays.floats(dx);
        int ranges = HostLoops.ranges(sets, HostLoops.grain(setSize()));
        // each range of sets sums its own dL/dgamma and dL/dbeta, added up in range order at the end
        double[][] rangeDGamma = new double[ranges][gamma.length], rangeDBeta = new double[ranges][gamma.length];
        HostLoops.split(ranges, 1, (first, end) -> {
            for (int r = first; r < end; r++) {
                backward(HostLoops.start(sets, ranges, r), HostLoops.start(sets, ranges, r + 1), xs, dys, gamma,
                        rangeDGamma[r], rangeDBeta[r], dxs, statistics);
            }
        });
        for (int r = 0; r < ranges; r++) {
            for (int channel = 0; channel < gamma.length; channel++) {
                dGamma[channel] += rangeDGamma[r][channel];
                dBeta[channel] += rangeDBeta[r][channel];
            }
        }
    }

    /** {@link #backward} on the sets {@code [from, to)}. */
    private void backward(int from, int to, FloatBuffer xs, FloatBuffer dys, double[] gamma, double[] dGamma, double[] dBeta,
            FloatBuffer dxs, Statistics statistics) {
        int m = setSize();
        float[] v = new float[m], d = new float[m];
        double[] perChannel = new double[2];
        for (int set = from; set < to; set++) {
            int start = set * m;
            xs.get(start, v);
            dys.get(start, d);
            double mean, inverseStd;
            if (statistics != null) {
                mean = statistics.mean()[set];
                inverseStd = statistics.inverseStd()[set];
            } else {
                mean = sum(v, 0, m) / m;
                inverseStd = inverseStd(v, m, mean);
            }
            double sumDxHat = 0, sumDxHatXHat = 0;
            for (int k = 0; k < channelsPerGroup; k++) {
                int channel = channel(set, k);
                sumAndDot(d, v, k * positions, positions, perChannel);
                double b = perChannel[0];
                double g = inverseStd * (perChannel[1] - mean * b);
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

    /** v[from] + ... + v[from + length - 1], in eight float partial sums added in double (see the class comment). */
    private static double sum(float[] v, int from, int length) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int i = from, end = from + length;
        for (; i + 7 < end; i += 8) {
            s0 += v[i];
            s1 += v[i + 1];
            s2 += v[i + 2];
            s3 += v[i + 3];
            s4 += v[i + 4];
            s5 += v[i + 5];
            s6 += v[i + 6];
            s7 += v[i + 7];
        }
        double s = (((double) s0 + s1) + ((double) s2 + s3)) + (((double) s4 + s5) + ((double) s6 + s7));
        for (; i < end; i++) {
            s += v[i];
        }
        return s;
    }

    /**
     * Into {@code out}: the sum of d and the dot product of d and v over [from, from + length), each in four float
     * partial sums added in double, in one pass.
     */
    private static void sumAndDot(float[] d, float[] v, int from, int length, double[] out) {
        float b0 = 0, b1 = 0, b2 = 0, b3 = 0, g0 = 0, g1 = 0, g2 = 0, g3 = 0;
        int i = from, end = from + length;
        for (; i + 3 < end; i += 4) {
            b0 += d[i];
            b1 += d[i + 1];
            b2 += d[i + 2];
            b3 += d[i + 3];
            g0 = Math.fma(d[i], v[i], g0);
            g1 = Math.fma(d[i + 1], v[i + 1], g1);
            g2 = Math.fma(d[i + 2], v[i + 2], g2);
            g3 = Math.fma(d[i + 3], v[i + 3], g3);
        }
        double b = ((double) b0 + b1) + ((double) b2 + b3), g = ((double) g0 + g1) + ((double) g2 + g3);
        for (; i < end; i++) {
            b += d[i];
            g += (double) d[i] * v[i];
        }
        out[0] = b;
        out[1] = g;
    }

    /**
     * 1 / sqrt(var + eps), var the biased variance of v[0, m) about {@code mean}: the squared deviations from the float
     * nearest the mean (two passes: no cancellation), in eight float partial sums added in double.
     */
    private double inverseStd(float[] v, int m, double mean) {
        float mu = (float) mean;
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int i = 0;
        for (; i + 7 < m; i += 8) {
            float d0 = v[i] - mu, d1 = v[i + 1] - mu, d2 = v[i + 2] - mu, d3 = v[i + 3] - mu;
            float d4 = v[i + 4] - mu, d5 = v[i + 5] - mu, d6 = v[i + 6] - mu, d7 = v[i + 7] - mu;
            s0 = Math.fma(d0, d0, s0);
            s1 = Math.fma(d1, d1, s1);
            s2 = Math.fma(d2, d2, s2);
            s3 = Math.fma(d3, d3, s3);
            s4 = Math.fma(d4, d4, s4);
            s5 = Math.fma(d5, d5, s5);
            s6 = Math.fma(d6, d6, s6);
            s7 = Math.fma(d7, d7, s7);
        }
        double s = (((double) s0 + s1) + ((double) s2 + s3)) + (((double) s4 + s5) + ((double) s6 + s7));
        for (; i < m; i++) {
            double d = v[i] - mu;
            s += d * d;
        }
        return 1 / Math.sqrt(s / m + eps);
    }
}
