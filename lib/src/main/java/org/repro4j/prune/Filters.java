package org.repro4j.prune;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Structured pruning of whole filters by their L1 norm: Li, Kadav, Durdanovic, Samet and Graf,
 * "Pruning Filters for Efficient ConvNets" (ICLR 2017), section 3.1. In each chosen layer the
 * filters with the smallest sum of absolute kernel weights {@code s_j = sum |F_j|} are removed,
 * together with the kernels of the next layer that read their feature maps (the paper's Figure 1),
 * so a removed filter no longer affects the output whatever its bias.
 *
 * <p>A filter is an output channel of a convolution (weights {@code [out, in, kh, kw]}, filter
 * {@code j} = {@code W[j]}) or an output unit of a dense layer (weights {@code [in, out]}, filter
 * {@code j} = column {@code j}). The next layer is the next prunable layer in parameter order (a
 * chain, as in a MultiLayerNetwork): a convolution reads channel {@code j} through {@code W[:, j]};
 * a dense layer after flattened {@code [c, h, w]} feature maps reads it through rows {@code j * h * w}
 * to {@code (j + 1) * h * w - 1} (DL4J flattens channel-major). Filters a mask has already cut
 * entirely count as removed and score nothing. Layers are pruned in order, and kernels an earlier
 * layer's pruning removed do not count in the norms (the paper's greedy strategy, section 3.2).
 * Ties go to the lower index.
 */
public final class Filters {

    private Filters() {
    }

    /** The number of filters (output channels or units) of the prunable layer {@code key}. */
    public static int count(Masks masks, String key) {
        long[] shape = masks.get(key).shape();
        return (int) (shape.length == 4 ? shape[0] : shape[1]);
    }

    /**
     * Removes, in each layer named in {@code keep}, all but the {@code round(keep * filters)} filters
     * of largest L1 norm (of their kept weights in {@code net}), and the next layer's weights that read them.
     *
     * @param keep fraction of each named layer's filters to keep, by key; the last layer (the
     *             classes) cannot be named
     * @throws IllegalArgumentException for an unknown or last layer, a fraction that keeps no filter
     *                                  or more filters than are still alive, or a next layer whose
     *                                  input count does not split into the filters' channels
     */
    public static Masks l1(Model net, Masks current, Map<String, Double> keep) {
        List<String> keys = new ArrayList<>(current.keys());
        var masks = new LinkedHashMap<String, INDArray>();
        for (String key : keys) {
            masks.put(key, current.get(key));
        }
        for (String key : keep.keySet()) {
            if (!keys.contains(key)) {
                throw new IllegalArgumentException("keep: unknown layer '" + key + "'; known: " + keys);
            }
            if (key.equals(keys.get(keys.size() - 1))) {
                throw new IllegalArgumentException("keep: '" + key + "' is the output layer; its units are the classes and cannot be pruned");
            }
        }
        for (int index = 0; index < keys.size(); index++) {
            String key = keys.get(index);
            Double fraction = keep.get(key);
            if (fraction == null) {
                continue;
            }
            INDArray mask = masks.get(key);
            double[] norms = norms(Transforms.abs(net.getParam(key).castTo(DataType.DOUBLE), true).muli(mask.castTo(DataType.DOUBLE)));
            int filters = norms.length;
            double[] keptWeights = norms(mask.castTo(DataType.DOUBLE));
            int[] alive = IntStream.range(0, filters).filter(j -> keptWeights[j] > 0).toArray();
            long kept = Math.round(fraction * filters);
            if (!(fraction > 0 && fraction <= 1) || kept < 1 || kept > alive.length) {
                throw new IllegalArgumentException("keep['" + key + "']: expected a fraction keeping between 1 and the "
                        + alive.length + " live filters of " + filters + ", got " + fraction + " (" + kept + " filters)");
            }
            String next = keys.get(index + 1);
            INDArray nextMask = masks.get(next);
            long inputs = nextMask.rank() == 4 ? nextMask.size(1) : nextMask.size(0);
            if (inputs % filters != 0) {
                throw new IllegalArgumentException("keep['" + key + "']: the next layer '" + next + "' reads " + inputs
                        + " inputs, not a multiple of the " + filters + " filters");
            }
            Integer[] byNorm = Arrays.stream(alive).boxed().toArray(Integer[]::new);
            Arrays.sort(byNorm, Comparator.comparingDouble((Integer j) -> -norms[j]).thenComparingInt(j -> j));
            for (int r = (int) kept; r < byNorm.length; r++) {
                int j = byNorm[r];
                filterOf(mask, j).assign(0);
                inputOf(nextMask, j, inputs / filters).assign(0);
            }
        }
        return Masks.of(net, masks);
    }

    /** The sum over each filter of {@code abs} (absolute masked weights: the L1 norms; a mask: the weights kept). */
    private static double[] norms(INDArray abs) {
        return (abs.rank() == 4 ? abs.sum(1, 2, 3) : abs.sum(0)).data().asDouble();
    }

    private static INDArray filterOf(INDArray mask, int j) {
        return mask.rank() == 4
                ? mask.get(NDArrayIndex.point(j), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all())
                : mask.get(NDArrayIndex.all(), NDArrayIndex.point(j));
    }

    /** The weights of the next layer that read channel {@code j}, of {@code width} inputs each. */
    private static INDArray inputOf(INDArray nextMask, int j, long width) {
        return nextMask.rank() == 4
                ? nextMask.get(NDArrayIndex.all(), NDArrayIndex.interval(j * width, (j + 1) * width), NDArrayIndex.all(), NDArrayIndex.all())
                : nextMask.get(NDArrayIndex.interval(j * width, (j + 1) * width), NDArrayIndex.all());
    }
}
