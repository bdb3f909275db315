package org.repro4j.prune;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import tech.tablesaw.api.BooleanColumn;
import tech.tablesaw.api.Table;

/**
 * Layer collapse (Tanaka et al., NeurIPS 2020, section 3): a pruning that removes a whole layer,
 * or leaves no path of kept weights from the input to the output, makes the network untrainable
 * whatever its density. Works on the masks of a feed-forward stack of dense layers (weights
 * {@code [nIn, nOut]}) and convolutions (weights {@code [out, in, kh, kw]}) in key order, with a
 * convolution's channels flattened channel-major into the next dense layer.
 */
public final class LayerCollapse {

    private LayerCollapse() {
    }

    /** {@link Masks#densities()} with a column {@code collapsed}: the layer keeps no weight. */
    public static Table report(Masks masks) {
        Table table = masks.densities();
        table.addColumns(BooleanColumn.create("collapsed", masks.keys().stream().mapToInt(k -> masks.remaining(k) == 0 ? 1 : 0)
                .mapToObj(c -> c == 1).toList()));
        return table;
    }

    /** Whether some output unit is reachable from the input through kept weights only. */
    public static boolean pathExists(Masks masks) {
        INDArray reach = null;  // [1, units] 1 where a unit of the previous layer is reachable
        for (String key : masks.keys()) {
            INDArray mask = masks.get(key);
            long[] shape = mask.shape();
            INDArray connected;  // [inUnits, outUnits] 1 where any kept weight joins the two
            if (shape.length == 2) {
                connected = mask;
            } else if (shape.length == 4) {
                connected = mask.sum(2, 3).transpose();
            } else {
                throw new IllegalArgumentException("masks['" + key + "']: expected a dense or convolution weight, got shape "
                        + Arrays.toString(shape));
            }
            long in = connected.rows();
            if (reach == null) {
                reach = Nd4j.ones(mask.dataType(), 1, in);
            } else if (reach.columns() != in) {
                reach = spread(key, reach, in);
            }
            reach = Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.impl.transforms.comparison.CompareAndSet(
                    reach.mmul(connected), 1, new org.nd4j.linalg.indexing.conditions.GreaterThan(0)));
        }
        return reach.sumNumber().doubleValue() > 0;
    }

    /** A convolution's channels spread over the flattened features of the next layer (channel-major). */
    private static INDArray spread(String key, INDArray channels, long features) {
        long c = channels.columns();
        if (features % c != 0) {
            throw new IllegalArgumentException("masks['" + key + "']: expected inputs a multiple of the " + c
                    + " channels before it, got " + features);
        }
        return channels.reshape(c, 1).repeat(1, features / c).reshape(1, features);
    }
}
