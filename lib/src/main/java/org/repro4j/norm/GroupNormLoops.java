package org.repro4j.norm;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.repro4j.HostArrays;

/**
 * Group normalization's forward and backward passes (Wu and He, "Group Normalization", ECCV 2018, eq. 1-2
 * and 6) as plain loops over C-order float or double arrays, in double. An input [n, c, positions] holds n * groups
 * sets S_i of {@code m = c / groups * positions} consecutive values each (eq. 7); each set is normalised by its
 * own mean and (biased) variance, then scaled and shifted per channel. One set at a time is read into double scratch
 * arrays and its results written back.
 *
 * <p>Why loops: as ND4J ops, the same arithmetic is about fifteen calls, each allocating its result; on
 * the diffusion U-Net (14x14 images, 16-32 channels, batch 128) they made up a third of a train step. The sums run
 * in four interleaved partial sums: one running sum waits on each addition before the next (Java may not reorder
 * floating-point additions), which made a set's sums the larger part of the loops' time.
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

    /** Whether the loops take {@code a}: a float or double array in C order in one run of host memory. */
    static boolean accepts(INDArray a) {
        return (a.dataType() == DataType.FLOAT || a.dataType() == DataType.DOUBLE) && HostArrays.inCOrder(a);
    }

    private int setSize() {
        return channelsPerGroup * positions;
    }

    /** Eq. 6: {@code y = gamma * (x - mean) / sqrt(var + eps) + beta}, the statistics of each set; y has x's shape and type. */
    void forward(INDArray x, double[] gamma, double[] beta, INDArray y) {
        int m = setSize();
        Elements xs = new Elements(x, m), ys = new Elements(y, m);
        double[] v = new double[m];
        for (int set = 0; set < n * groups; set++) {
            int start = set * m;
            xs.read(start, v);
            double mean = sum(v, m) / m;
            double inverseStd = inverseStd(v, m, mean);
            for (int k = 0; k < channelsPerGroup; k++) {
                int channel = channel(set, k);
                double scale = inverseStd * gamma[channel];
                double shift = beta[channel] - mean * scale;
                for (int i = k * positions, end = i + positions; i < end; i++) {
                    v[i] = v[i] * scale + shift;
                }
            }
            ys.write(start, v);
        }
    }

    /**
     * The backward pass from the input {@code x} and dL/dy: writes dL/dx into {@code dx}, and adds dL/dgamma and dL/dbeta
     * (one per channel) into {@code dGamma} and {@code dBeta}. Per set, with x̂ the normalised values and
     * σ = sqrt(var + eps): {@code dL/dx = (dx̂ - mean(dx̂) - x̂ * mean(dx̂ * x̂)) / σ}, {@code dx̂ = gamma * dL/dy}.
     */
    void backward(INDArray x, INDArray dy, double[] gamma, double[] dGamma, double[] dBeta, INDArray dx) {
        int m = setSize();
        Elements xs = new Elements(x, m), dys = new Elements(dy, m), dxs = new Elements(dx, m);
        double[] xHat = new double[m], d = new double[m];
        for (int set = 0; set < n * groups; set++) {
            int start = set * m;
            xs.read(start, xHat);
            dys.read(start, d);
            double mean = sum(xHat, m) / m;
            double inverseStd = inverseStd(xHat, m, mean);
            for (int i = 0; i < m; i++) {
                xHat[i] = (xHat[i] - mean) * inverseStd;
            }
            double sumDxHat = 0, sumDxHatXHat = 0;
            for (int k = 0; k < channelsPerGroup; k++) {
                int channel = channel(set, k);
                double b = sum(d, k * positions, positions);
                double g = dot(d, xHat, k * positions, positions);
                dBeta[channel] += b;
                dGamma[channel] += g;
                sumDxHat += gamma[channel] * b;
                sumDxHatXHat += gamma[channel] * g;
            }
            double meanDxHat = sumDxHat / m, meanDxHatXHat = sumDxHatXHat / m;
            for (int k = 0; k < channelsPerGroup; k++) {
                double g = gamma[channel(set, k)];
                for (int i = k * positions, end = i + positions; i < end; i++) {
                    d[i] = (g * d[i] - meanDxHat - xHat[i] * meanDxHatXHat) * inverseStd;
                }
            }
            dxs.write(start, d);
        }
    }

    /** The channel of the {@code k}-th channel of set {@code set} (sets run over examples, then groups). */
    private int channel(int set, int k) {
        return (set % groups) * channelsPerGroup + k;
    }

    private static double sum(double[] v, int m) {
        return sum(v, 0, m);
    }

    /** v[from] + ... + v[from + length - 1], in four partial sums. */
    private static double sum(double[] v, int from, int length) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = from, end = from + length;
        for (; i + 3 < end; i += 4) {
            s0 += v[i];
            s1 += v[i + 1];
            s2 += v[i + 2];
            s3 += v[i + 3];
        }
        for (; i < end; i++) {
            s0 += v[i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** The dot product of a and b over [from, from + length), in four partial sums. */
    private static double dot(double[] a, double[] b, int from, int length) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = from, end = from + length;
        for (; i + 3 < end; i += 4) {
            s0 += a[i] * b[i];
            s1 += a[i + 1] * b[i + 1];
            s2 += a[i + 2] * b[i + 2];
            s3 += a[i + 3] * b[i + 3];
        }
        for (; i < end; i++) {
            s0 += a[i] * b[i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** 1 / sqrt(var + eps), var the biased variance of v[0, m) about {@code mean} (two passes: no cancellation). */
    private double inverseStd(double[] v, int m, double mean) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 3 < m; i += 4) {
            double d0 = v[i] - mean, d1 = v[i + 1] - mean, d2 = v[i + 2] - mean, d3 = v[i + 3] - mean;
            s0 += d0 * d0;
            s1 += d1 * d1;
            s2 += d2 * d2;
            s3 += d3 * d3;
        }
        for (; i < m; i++) {
            double d = v[i] - mean;
            s0 += d * d;
        }
        return 1 / Math.sqrt(((s0 + s1) + (s2 + s3)) / m + eps);
    }

    /** The elements of an {@link #accepts accepted} array, a set of {@code m} at a time, as doubles. */
    private static final class Elements {
        private final FloatBuffer floats;
        private final DoubleBuffer doubles;
        private final float[] scratch;

        Elements(INDArray a, int m) {
            boolean isFloat = a.dataType() == DataType.FLOAT;
            floats = isFloat ? HostArrays.floats(a) : null;
            doubles = isFloat ? null : HostArrays.doubles(a);
            scratch = isFloat ? new float[m] : null;
        }

        void read(int start, double[] to) {
            if (doubles != null) {
                doubles.get(start, to);
                return;
            }
            floats.get(start, scratch);
            for (int i = 0; i < to.length; i++) {
                to[i] = scratch[i];
            }
        }

        void write(int start, double[] from) {
            if (doubles != null) {
                doubles.put(start, from);
                return;
            }
            for (int i = 0; i < from.length; i++) {
                scratch[i] = (float) from[i];
            }
            floats.put(start, scratch);
        }
    }
}
