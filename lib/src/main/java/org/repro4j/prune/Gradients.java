package org.repro4j.prune;

import java.lang.reflect.Field;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.repro4j.HostArrays;
import org.repro4j.train.NativeMemory;
import org.repro4j.train.Nets;

/**
 * What the gradient-based scores share: a float64 working copy of a network and the gradient of
 * its loss. DL4J's {@code computeGradientAndScore} gives the gradient of the loss summed over the
 * batch (its updater divides by the batch size later) and leaves out l1/l2/weight decay (also
 * added by the updater); {@link #of} divides by the batch size, so it returns the gradient of the
 * mean loss without regularisation.
 */
final class Gradients {

    /** The gradient buffers of DL4J's two kinds of network: see {@link #zeroPageGradients}. */
    private static final Field NETWORK_GRADIENTS = gradientsField(MultiLayerNetwork.class);
    private static final Field GRAPH_GRADIENTS = gradientsField(ComputationGraph.class);

    private Gradients() {
    }

    /**
     * A float64 copy of {@code net} with the masks applied (pruned weights at zero) and dropout off,
     * so that two passes over the same batch give the same loss. The caller's network is unchanged.
     */
    static Model copy(Model net, Masks masks) {
        NativeMemory.watch();
        Model copy = Nets.copy(net, DataType.DOUBLE);
        for (Layer layer : Nets.layers(copy)) {
            layer.conf().getLayer().setIDropout(null);
        }
        masks.applyTo(copy);
        zeroPageGradients(copy);
        return copy;
    }

    /**
     * Gives {@code copy} a gradient buffer of zeros that nobody has written yet ({@link HostArrays#zeros}), before DL4J
     * makes its own on the first backward pass: DL4J zeroes its buffer in a pass of its own on one thread (the 84 MB of a
     * 10.5M-parameter network in float64: 29 ms here), where fresh zero pages are only touched by the backward pass's
     * writes, on all its threads. DL4J keeps the buffer in a protected field; where reflection cannot reach it (another
     * DL4J version), DL4J makes its own as before.
     */
    private static void zeroPageGradients(Model copy) {
        Field field = copy instanceof MultiLayerNetwork ? NETWORK_GRADIENTS : GRAPH_GRADIENTS;
        if (field == null || copy.numParams() == 0 || copy.numParams() > Integer.MAX_VALUE) {
            return;
        }
        INDArray gradients = HostArrays.zeros(copy.params().dataType(), 1, copy.numParams());
        try {
            field.set(copy, gradients);
        } catch (IllegalAccessException e) {
            return;
        }
        copy.setBackpropGradientsViewArray(gradients);
    }

    private static Field gradientsField(Class<?> type) {
        try {
            Field field = type.getDeclaredField("flattenedGradients");
            field.setAccessible(true);
            return field;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Frees the native memory of a {@link #copy}'s parameters, gradients and updater state now; the copy is not to be
     * used after. ND4J frees an array only once the collector takes its small Java object, which a heap that barely
     * grows seldom does: each SynFlow scoring of a 10M-parameter MLP left its float64 copy behind, and from the sixth
     * call in one process on each call took 470-740 ms instead of 160-170 (measured). (DL4J's {@code close()} frees the
     * same arrays but also destroys all of the thread's workspaces and runs a full collection.)
     */
    static void release(Model copy) {
        release(copy, false);
    }

    /** {@link #release}, except for the gradient buffer when {@code keepGradients} (views of it outlive the copy). */
    static void release(Model copy, boolean keepGradients) {
        INDArray state = null;
        if (copy instanceof MultiLayerNetwork m && m.getUpdater(false) != null) {
            state = m.getUpdater(false).getStateViewArray();
        } else if (copy instanceof ComputationGraph g && g.getUpdater(false) != null) {
            state = g.getUpdater(false).getStateViewArray();
        }
        for (INDArray a : new INDArray[] {copy.params(), keepGradients ? null : copy.getGradientsViewArray(), state}) {
            if (a != null) {
                HostArrays.free(a);
            }
        }
    }

    /**
     * The gradient of the mean loss of {@code copy} (from {@link #copy}) on {@code batch} with
     * respect to the parameters {@code keys}, in float64; features and labels are cast to float64.
     */
    static Map<String, INDArray> of(Model copy, Set<String> keys, DataSet batch) {
        long n = batch.getFeatures().size(0);
        var gradients = new LinkedHashMap<String, INDArray>();
        summed(copy, keys, batch).forEach((key, gradient) -> gradients.put(key, gradient.div(n)));
        return gradients;
    }

    /**
     * The gradient of the loss of {@code copy} summed over {@code batch}, as views into the network's gradient
     * buffer: the next pass overwrites them, and {@link #release} frees them.
     */
    static Map<String, INDArray> summed(Model copy, Set<String> keys, DataSet batch) {
        INDArray features = batch.getFeatures().castTo(DataType.DOUBLE);
        INDArray labels = batch.getLabels().castTo(DataType.DOUBLE);
        if (copy instanceof MultiLayerNetwork m) {
            m.setInput(features);
            m.setLabels(labels);
            m.computeGradientAndScore();
        } else {
            var g = (ComputationGraph) copy;
            g.setInputs(features);
            g.setLabels(labels);
            g.computeGradientAndScore();
        }
        var gradients = new LinkedHashMap<String, INDArray>();
        for (String key : keys) {
            gradients.put(key, copy.gradient().getGradientFor(key));
        }
        return gradients;
    }
}
