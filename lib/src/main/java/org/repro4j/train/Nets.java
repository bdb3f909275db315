package org.repro4j.train;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipFile;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.repro4j.HostArrays;
import org.repro4j.models.FastLayers;

/**
 * What the trainer and the results store need of a network, for both kinds DL4J builds: a
 * {@link MultiLayerNetwork} (a stack of layers) and a {@link ComputationGraph} (a DAG: residual nets,
 * U-Nets); {@link #output} needs a graph with one input and one output, the rest takes any graph.
 */
public final class Nets {

    private static final List<Field> BATCH_NORM_CACHES = batchNormCaches();

    private Nets() {
    }

    /** The network's output for {@code features}, in inference mode. */
    public static INDArray output(Model net, INDArray features) {
        if (net instanceof MultiLayerNetwork m) {
            return m.output(features, false);
        }
        ComputationGraph g = graph(net);
        if (g.getNumInputArrays() != 1 || g.getNumOutputArrays() != 1) {
            throw new IllegalArgumentException("net: expected a graph with one input and one output, got "
                    + g.getNumInputArrays() + " inputs and " + g.getNumOutputArrays() + " outputs");
        }
        return g.outputSingle(false, features);
    }

    /**
     * A deep copy of {@code net} (configuration, parameters, updater state) with its parameters in
     * {@code dataType}, on repro4j's layer implementations like the original ({@code FastLayers}: a clone has
     * DL4J's own layers, whose convolutions would im2col a 2,000-image chunk of 28x28 images into 450 MB).
     */
    public static Model copy(Model net, DataType dataType) {
        if (net.params().dataType() == dataType) {
            return FastLayers.install(net instanceof MultiLayerNetwork m ? m.clone() : graph(net).clone());
        }
        if (!dataType.isFPType()) {
            throw new IllegalArgumentException("dataType: expected a floating-point type, got " + dataType);
        }
        // as DL4J's convertDataType (which returns the network itself for its own type), but with the parameters cast
        // by HostArrays.castTo: DL4J's castTo zeroed its result in a pass of its own, on one thread, first
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            INDArray params = HostArrays.castTo(net.params(), dataType);
            Model copy;
            if (net instanceof MultiLayerNetwork m) {
                MultiLayerConfiguration conf = MultiLayerConfiguration.fromJson(m.getLayerWiseConfigurations().toJson());
                conf.setDataType(dataType);
                copy = new MultiLayerNetwork(conf);
                ((MultiLayerNetwork) copy).init(params, false);
            } else {
                ComputationGraphConfiguration conf = ComputationGraphConfiguration.fromJson(graph(net).getConfiguration().toJson());
                conf.setDataType(dataType);
                copy = new ComputationGraph(conf);
                ((ComputationGraph) copy).init(params, false);
            }
            Updater updater = updater(net, false);
            if (updater != null && updater.getStateViewArray() != null) {
                updater(copy, true).getStateViewArray().assign(updater.getStateViewArray());
            }
            return FastLayers.install(copy);
        }
    }

    /** The network's updater, made first if {@code make} and there is none yet (else null then). */
    private static Updater updater(Model net, boolean make) {
        return net instanceof MultiLayerNetwork m ? m.getUpdater(make) : graph(net).getUpdater(make);
    }

    /** The network's layers, in order. */
    public static Layer[] layers(Model net) {
        if (net instanceof MultiLayerNetwork m) {
            return m.getLayers();
        }
        return graph(net).getLayers();
    }

    /**
     * Drops what {@code net} keeps of its last forward pass: its inputs, and each batch-norm layer's
     * centred and normalised copies of its input and their standard deviation. DL4J 1.0.0-M2.1's
     * {@code BatchNormalization} stores those in an inference pass too and releases them only in the
     * next backward pass, so an evaluated network holds a chunk's worth of them: measured 33 MB on a
     * ResNet-8 after 500-image chunks of 14x14 images, over 100 MB on a ResNet-26; notebook 32 keeps 16
     * trained nets. The next forward pass computes them again, so training and inference are unchanged.
     * It does not call {@code MultiLayerNetwork.clear()}, which also drops the solver and with it the
     * optimizer's state: Adam's moments would restart at zero after every evaluation between epochs.
     */
    public static void forgetLastPass(Model net) {
        if (net instanceof MultiLayerNetwork m) {
            m.setInput(null);
            m.setLabels(null);
        } else {
            net.clear();   // ComputationGraph.clear() drops only its inputs, labels and masks
        }
        for (Layer layer : layers(net)) {
            layer.clear();
            if (layer instanceof BatchNormalization) {
                for (Field cache : BATCH_NORM_CACHES) {
                    try {
                        cache.set(layer, null);
                    } catch (IllegalAccessException e) {
                        throw new IllegalStateException("cannot clear " + cache, e);
                    }
                }
            }
        }
    }

    private static List<Field> batchNormCaches() {
        var fields = new ArrayList<Field>();
        for (String name : List.of("xMu", "xHat", "std")) {
            try {
                Field field = BatchNormalization.class.getDeclaredField(name);
                field.setAccessible(true);
                fields.add(field);
            } catch (ReflectiveOperationException | RuntimeException e) {
                // another DL4J version without this cache: nothing to clear
            }
        }
        return List.copyOf(fields);
    }

    /** Parameter updates applied so far (restored with a checkpoint). */
    public static long iterationCount(Model net) {
        if (net instanceof MultiLayerNetwork m) {
            return m.getIterationCount();
        }
        return graph(net).getIterationCount();
    }

    /** Sets the epoch counter that DL4J's schedules may read (schedules by epoch). */
    static void setEpochCount(Model net, int epoch) {
        if (net instanceof MultiLayerNetwork m) {
            m.setEpochCount(epoch);
        } else {
            graph(net).getConfiguration().setEpochCount(epoch);
        }
    }

    /** Writes the network (configuration, parameters and, with {@code updater}, the optimiser's state). */
    public static void write(Model net, OutputStream out, boolean updater) throws IOException {
        ModelSerializer.writeModel(net, out, updater);
    }

    /**
     * Reads a network written by {@link #write}, of whichever kind it was: a graph's configuration
     * names its vertices, a layer stack's does not.
     */
    public static Model restore(Path file, boolean updater) throws IOException {
        boolean isGraph;
        try (ZipFile zip = new ZipFile(file.toFile())) {
            var entry = zip.getEntry("configuration.json");
            if (entry == null) {
                throw new IOException(file + ": not a DL4J model (no configuration.json inside)");
            }
            try (InputStream in = zip.getInputStream(entry)) {
                isGraph = new String(in.readAllBytes(), StandardCharsets.UTF_8).contains("\"vertices\"");
            }
        }
        // a restored network has new layers: give them the faster implementations again (see FastLayers)
        return FastLayers.install(isGraph ? ModelSerializer.restoreComputationGraph(file.toFile(), updater)
                : ModelSerializer.restoreMultiLayerNetwork(file.toFile(), updater));
    }

    private static ComputationGraph graph(Model net) {
        if (net instanceof ComputationGraph g) {
            return g;
        }
        throw new IllegalArgumentException("net: expected a MultiLayerNetwork or a ComputationGraph, got "
                + (net == null ? "null" : net.getClass().getName()));
    }
}
