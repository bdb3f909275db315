package org.repro4j.norm;

/**
 * Group normalization's forward and backward passes (Wu and He, "Group Normalization", ECCV 2018, eq. 1-2
 * and 6) as plain loops over C-order arrays, in double. An input [n, c, positions] holds n * groups sets
 * S_i of {@code m = c / groups * positions} consecutive values each (eq. 7); each set is normalised by its
 * own mean and (biased) variance, then scaled and shifted per channel.
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

    private int setSize() {
        return channelsPerGroup * positions;
    }

    /** Eq. 6: {@code y = gamma * (x - mean) / sqrt(var + eps) + beta}, the statistics of each set. */
    double[] forward(double[] x, double[] gamma, double[] beta) {
        double[] y = new double[x.length];
        int m = setSize();
        for (int set = 0; set < n * groups; set++) {
            int start = set * m;
            double mean = mean(x, start, m);
            double inverseStd = inverseStd(x, start, m, mean);
            for (int k = 0; k < channelsPerGroup; k++) {
                int channel = channel(set, k);
                double scale = inverseStd * gamma[channel];
                double shift = beta[channel] - mean * scale;
                for (int i = start + k * positions, end = i + positions; i < end; i++) {
                    y[i] = x[i] * scale + shift;
                }
            }
        }
        return y;
    }

    /**
     * The backward pass from the input {@code x} and dL/dy: returns dL/dx, and adds dL/dgamma and dL/dbeta
     * (one per channel) into {@code dGamma} and {@code dBeta}. Per set, with x̂ the normalised values and
     * σ = sqrt(var + eps): {@code dL/dx = (dx̂ - mean(dx̂) - x̂ * mean(dx̂ * x̂)) / σ}, {@code dx̂ = gamma * dL/dy}.
     */
    double[] backward(double[] x, double[] dy, double[] gamma, double[] dGamma, double[] dBeta) {
        double[] dx = new double[x.length];
        int m = setSize();
        for (int set = 0; set < n * groups; set++) {
            int start = set * m;
            double mean = mean(x, start, m);
            double inverseStd = inverseStd(x, start, m, mean);
            double sumDxHat = 0, sumDxHatXHat = 0;
            for (int k = 0; k < channelsPerGroup; k++) {
                int channel = channel(set, k);
                double g = 0, b = 0;
                for (int i = start + k * positions, end = i + positions; i < end; i++) {
                    double xHat = (x[i] - mean) * inverseStd;
                    b += dy[i];
                    g += dy[i] * xHat;
                }
                dBeta[channel] += b;
                dGamma[channel] += g;
                sumDxHat += gamma[channel] * b;
                sumDxHatXHat += gamma[channel] * g;
            }
            double meanDxHat = sumDxHat / m, meanDxHatXHat = sumDxHatXHat / m;
            for (int k = 0; k < channelsPerGroup; k++) {
                int channel = channel(set, k);
                for (int i = start + k * positions, end = i + positions; i < end; i++) {
                    double xHat = (x[i] - mean) * inverseStd;
                    dx[i] = (gamma[channel] * dy[i] - meanDxHat - xHat * meanDxHatXHat) * inverseStd;
                }
            }
        }
        return dx;
    }

    /** The channel of the {@code k}-th channel of set {@code set} (sets run over examples, then groups). */
    private int channel(int set, int k) {
        return (set % groups) * channelsPerGroup + k;
    }

    private static double mean(double[] x, int start, int m) {
        double sum = 0;
        for (int i = start; i < start + m; i++) {
            sum += x[i];
        }
        return sum / m;
    }

    /** 1 / sqrt(var + eps), var the biased variance about {@code mean} (two passes: no cancellation). */
    private double inverseStd(double[] x, int start, int m, double mean) {
        double sum = 0;
        for (int i = start; i < start + m; i++) {
            double d = x[i] - mean;
            sum += d * d;
        }
        return 1 / Math.sqrt(sum / m + eps);
    }
}
