package org.repro4j.prune;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.repro4j.HostArrays;

/**
 * Turns scores into masks: the weights with the highest scores are kept, among those the current
 * masks still keep (pruning never revives a weight). The number kept is exact: {@code
 * round(density * size)}; ties go to the lower flat index, so the result is deterministic.
 * Selection is global (one ranking over every layer, as in SNIP, GraSP and SynFlow) or per layer
 * (each layer keeps its own fraction, as in the Lottery Ticket experiments).
 */
public final class Selection {

    private Selection() {
    }

    /**
     * Keeps the {@code round(density * current.size())} highest-scoring weights over all layers.
     *
     * @param density fraction of all prunable weights to keep, in (0, current.density()]
     */
    public static Masks global(Model net, Masks current, Map<String, INDArray> scores, double density) {
        checkDensity("density", density, current.density(), false);
        long keep = Math.round(density * current.size());
        var layers = new LinkedHashMap<String, Layer>();
        var all = new double[(int) current.remaining()];
        int n = 0;
        for (String key : current.keys()) {
            Layer layer = Layer.read(current, scores, key);
            layers.put(key, layer);
            double[] s = layer.alive();
            System.arraycopy(s, 0, all, n, s.length);
            n += s.length;
        }
        Threshold t = Threshold.of(all, keep);
        var masks = new LinkedHashMap<String, INDArray>();
        layers.forEach((key, layer) -> masks.put(key, layer.select(t)));
        return Masks.of(net, masks);
    }

    /**
     * Keeps, in each layer, the {@code round(density(key) * size(key))} highest-scoring weights.
     *
     * @param densities fraction of each layer's weights to keep, by key (0 empties the layer); a layer left out keeps its current mask
     */
    public static Masks layerwise(Model net, Masks current, Map<String, INDArray> scores, Map<String, Double> densities) {
        for (String key : densities.keySet()) {
            if (!current.keys().contains(key)) {
                throw new IllegalArgumentException("densities: unknown layer '" + key + "'; known: " + current.keys());
            }
        }
        var masks = new LinkedHashMap<String, INDArray>();
        for (String key : current.keys()) {
            Double density = densities.get(key);
            if (density == null) {
                masks.put(key, current.get(key));
                continue;
            }
            checkDensity("densities['" + key + "']", density, current.density(key), true);  // 0: a collapsed layer
            Layer layer = Layer.read(current, scores, key);
            masks.put(key, layer.select(Threshold.of(layer.alive(), Math.round(density * current.size(key)))));
        }
        return Masks.of(net, masks);
    }

    /** @param zeroAllowed whether 0 (emptying the layer) is a valid density */
    static void checkDensity(String field, double density, double current, boolean zeroAllowed) {
        if (!((zeroAllowed ? density >= 0 : density > 0) && density <= current + 1e-12)) {
            throw new IllegalArgumentException(field + ": expected a density in " + (zeroAllowed ? "[0, " : "(0, ") + current
                    + "] (pruning cannot revive weights), got " + density);
        }
    }

    /** One layer's scores and current mask, read (and checked) once, in flat order. */
    private record Layer(double[] scores, float[] mask, long[] shape) {

        static Layer read(Masks current, Map<String, INDArray> scores, String key) {
            INDArray s = scores.get(key);
            if (s == null) {
                throw new IllegalArgumentException("scores: no scores for '" + key + "'");
            }
            long[] shape = current.shape(key);
            if (!Arrays.equals(s.shape(), shape)) {
                throw new IllegalArgumentException("scores['" + key + "']: expected shape " + Arrays.toString(shape)
                        + ", got " + Arrays.toString(s.shape()));
            }
            double[] values = HostArrays.toDoubles(s);
            for (int i = 0; i < values.length; i++) {
                if (Double.isNaN(values[i])) {
                    throw new IllegalArgumentException("scores['" + key + "']: NaN at flat index " + i);
                }
            }
            return new Layer(values, current.values(key), shape);
        }

        /** The scores of the weights the current mask keeps. */
        double[] alive() {
            int n = 0;
            for (float m : mask) {
                if (m == 1f) {
                    n++;
                }
            }
            double[] kept = new double[n];
            for (int i = 0, k = 0; i < scores.length; i++) {
                if (mask[i] == 1f) {
                    kept[k++] = scores[i];
                }
            }
            return kept;
        }

        /** The new mask: kept weights above the threshold, and the first ties. */
        INDArray select(Threshold t) {
            float[] m = mask.clone();
            for (int i = 0; i < m.length; i++) {
                if (m[i] == 1f) {
                    m[i] = t.keeps(scores[i]) ? 1f : 0f;
                }
            }
            return HostArrays.floatArray(m, shape);
        }
    }

    /** Below this many values {@link #kthSmallest} selects by {@link #quickselect}; above, by radix passes first. */
    private static final int RADIX_MIN = 1 << 12;

    /**
     * The k-th smallest value of {@code a} (k from 0), as {@code a} sorted would have it at index k; may reorder
     * {@code a}. A large array is first narrowed by radix passes: each value's 64-bit key in numeric order (the
     * double's bits, the negatives' flipped; -0.0 counted as 0.0), 16 bits a pass from the top, counting the values
     * of each bucket and keeping the one bucket that holds the k-th (two reads of the array a pass, where
     * quickselect took about 20 on 10.5M scores and half of a global magnitude pruning).
     */
    static double kthSmallest(double[] a, int k) {
        double[] candidates = a;
        int rank = k;
        for (int shift = 48; shift >= 0 && candidates.length > RADIX_MIN; shift -= 16) {
            int[] counts = new int[1 << 16];
            for (double v : candidates) {
                counts[digit(v, shift)]++;
            }
            int bucket = 0;
            while (rank >= counts[bucket]) {
                rank -= counts[bucket++];
            }
            double[] inBucket = new double[counts[bucket]];
            int n = 0;
            for (double v : candidates) {
                if (digit(v, shift) == bucket) {
                    inBucket[n++] = v;
                }
            }
            candidates = inBucket;
        }
        return quickselect(candidates, rank);
    }

    /** 16 bits of {@code v}'s key, from bit {@code shift} up: keys compared as unsigned numbers are in the values' order. */
    private static int digit(double v, int shift) {
        long bits = Double.doubleToLongBits(v + 0.0);
        long key = bits ^ ((bits >> 63) >>> 1) ^ Long.MIN_VALUE;
        return (int) (key >>> shift) & 0xFFFF;
    }

    /**
     * The k-th smallest value of {@code a}; reorders {@code a}. Hoare's quickselect with a median-of-three pivot and
     * three-way partitioning (so runs of equal scores, common after pruning, stay linear).
     */
    private static double quickselect(double[] a, int k) {
        int lo = 0;
        int hi = a.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            double pivot = Math.max(Math.min(a[lo], a[mid]), Math.min(Math.max(a[lo], a[mid]), a[hi]));
            // a[lo..lt) < pivot, a[lt..i) == pivot, a(gt..hi] > pivot
            int lt = lo;
            int i = lo;
            int gt = hi;
            while (i <= gt) {
                double v = a[i];
                if (v < pivot) {
                    a[i++] = a[lt];
                    a[lt++] = v;
                } else if (v > pivot) {
                    a[i] = a[gt];
                    a[gt--] = v;
                } else {
                    i++;
                }
            }
            if (k < lt) {
                hi = lt - 1;
            } else if (k > gt) {
                lo = gt + 1;
            } else {
                return pivot;
            }
        }
        return a[k];
    }

    /**
     * The score of the {@code keep}-th highest value: everything above it is kept, and of the values
     * equal to it only as many as fit, first come first kept.
     */
    private static final class Threshold {
        private final double value;
        private long tiesLeft;
        private final boolean none;

        private Threshold(double value, long tiesLeft, boolean none) {
            this.value = value;
            this.tiesLeft = tiesLeft;
            this.none = none;
        }

        /** The threshold that keeps {@code keep} of {@code scores}, which it reorders. */
        static Threshold of(double[] scores, long keep) {
            if (keep == 0) {
                return new Threshold(0, 0, true);
            }
            // the (n - keep)-th smallest by selection, O(n), not a sort: 10.5M scores took 2.3 s sorted; reordering
            // leaves the count of scores above it as it was
            double value = kthSmallest(scores, scores.length - (int) keep);
            long above = 0;
            for (double v : scores) {
                if (v > value) {
                    above++;
                }
            }
            return new Threshold(value, keep - above, false);
        }

        boolean keeps(double score) {
            if (none || score < value) {
                return false;
            }
            if (score > value) {
                return true;
            }
            return tiesLeft-- > 0;
        }
    }
}
