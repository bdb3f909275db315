package org.repro4j.models;

import java.lang.reflect.Field;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Routes a network's 2-D convolutions and poolings through libnd4j's own {@code conv2d} /
 * {@code conv2d_bp} / {@code maxpool2d} ops instead of DL4J's Java im2col + GEMM path.
 *
 * <p>Why: DL4J 1.0.0-M2.1 computes a {@code ConvolutionLayer} by {@code Convolution.im2col} into a
 * permuted column layout followed by a GEMM; on the CPU that layout makes im2col the bottleneck
 * (measured: 330 ms a fit() of a small conv net at batch 60). DL4J also has "helpers" that call
 * libnd4j's native ops ({@code MKLDNNConvHelper}, {@code MKLDNNSubsamplingHelper}; despite the
 * names they run with or without oneDNN in the native library), but in M2.1 they are never
 * created: helper creation is off unless {@code org.eclipse.deeplearning4j.helpers.disable=false},
 * and even then {@code BaseMKLDNNHelper.mklDnnEnabled()} looks up the class {@code
 * org.nd4j.nativeblas.Nd4jCpu$Environment}, which M2.1 moved to another package, so the check
 * fails. This class installs the helpers directly into the layers. The layers fall back to their
 * built-in path by themselves if a helper throws.
 *
 * <p>It acts on the CPU backend only (on CUDA, DL4J's cuDNN helpers are the route) and on one
 * network instance: call it again on a clone or on a network restored from a file.
 */
public final class NativeConv {

    /** System property: set to {@code false} to keep DL4J's built-in path (for comparisons). */
    public static final String PROPERTY = "repro4j.nativeConv";

    private NativeConv() {
    }

    /** Whether {@link #install} does anything here: the CPU backend, and not switched off by {@value #PROPERTY}. */
    public static boolean enabled() {
        if (!Boolean.parseBoolean(System.getProperty(PROPERTY, "true"))) {
            return false;
        }
        String backend = Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend");
        return "CPU".equalsIgnoreCase(backend);
    }

    /**
     * Installs the native helpers into every convolution and subsampling layer of {@code net} that has none,
     * and returns {@code net}.
     */
    public static <M extends Model> M install(M net) {
        if (!enabled()) {
            return net;
        }
        Layer[] layers = net instanceof MultiLayerNetwork m ? m.getLayers()
                : net instanceof ComputationGraph g ? g.getLayers() : new Layer[0];
        for (Layer layer : layers) {
            if (layer instanceof ConvolutionLayer conv && conv.getClass() == ConvolutionLayer.class) {
                set(ConvolutionLayer.class, conv, new MKLDNNConvHelper(conv.getParam("W").dataType()));
            } else if (layer instanceof SubsamplingLayer pool && pool.getClass() == SubsamplingLayer.class
                    && pool.layerConf().getPoolingType() != PoolingType.PNORM) {
                set(SubsamplingLayer.class, pool, new MKLDNNSubsamplingHelper(net.params().dataType()));
            }
        }
        return net;
    }

    private static void set(Class<?> type, Object layer, Object helper) {
        try {
            Field field = type.getDeclaredField("helper");
            field.setAccessible(true);
            if (field.get(layer) == null) {
                field.set(layer, helper);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // an unexpected DL4J version: keep the built-in path, which is correct, only slower
        }
    }
}
