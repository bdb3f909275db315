package org.repro4j.models;

import java.lang.reflect.Field;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.MultiLayerUpdater;
import org.repro4j.ShapeInfoCache;

/**
 * Puts repro4j's faster layer implementations into a network DL4J built: {@link NativeConv}'s native convolutions and
 * pooling helpers, and in a {@link MultiLayerNetwork} {@link ReusingDense}'s dense layers and {@link MaxPoolLayer}'s
 * max poolings; and, once for the process, ND4J's array shapes from a {@link ShapeInfoCache}. They compute the same
 * values as DL4J's own (tests; SiLU dense layers' gradients to rounding); each has a system property that turns it
 * off. {@code Models}, {@code UNet}, {@code TimeMlp} and {@code Nets} (copies, restored networks) call it; call it on a
 * network you build yourself. The updater comes when the network trains ({@link OwnGradientUpdaters}).
 */
public final class FastLayers {

    private FastLayers() {
    }

    /** Installs them into {@code net} (one instance: call it again on a clone) and returns {@code net}. */
    public static <M extends Model> M install(M net) {
        ShapeInfoCache.install();
        if (net instanceof MultiLayerNetwork m && m.getLayers() != null) {
            swap(m);
        }
        return NativeConv.install(net);
    }

    /**
     * Replaces the network's plain DL4J dense and max-pooling layers by repro4j's, on the same parameters, gradient
     * views and listeners; the updater, if made already, is made again on the new layers with its state kept.
     */
    private static void swap(MultiLayerNetwork net) {
        boolean dense = Boolean.parseBoolean(System.getProperty(ReusingDense.PROPERTY, "true"));
        boolean pooling = NativeConv.enabled();
        Layer[] layers = net.getLayers().clone();
        boolean changed = false;
        for (int i = 0; i < layers.length; i++) {
            if (dense && layers[i].getClass() == DenseLayer.class) {
                layers[i] = ReusingDense.of((DenseLayer) layers[i],
                        i == 0 && net.getLayerWiseConfigurations().getInputPreProcess(0) == null);
                changed = true;
            } else if (pooling && layers[i].getClass() == SubsamplingLayer.class
                    && ((SubsamplingLayer) layers[i]).layerConf().getPoolingType() == PoolingType.MAX) {
                layers[i] = new MaxPoolLayer((SubsamplingLayer) layers[i]);
                changed = true;
            }
        }
        if (!changed) {
            return;
        }
        Updater updater = net.getUpdater(false);
        net.setLayers(layers);
        replaceInLayerMap(net, layers);
        if (updater instanceof MultiLayerUpdater old) {
            net.setUpdater(new MultiLayerUpdater(net, old.getStateViewArray()));
        }
    }

    @SuppressWarnings("unchecked")
    private static void replaceInLayerMap(MultiLayerNetwork net, Layer[] layers) {
        try {
            Field field = MultiLayerNetwork.class.getDeclaredField("layerMap");
            field.setAccessible(true);
            var map = (Map<String, Layer>) field.get(net);
            for (Layer layer : layers) {
                map.replaceAll((name, l) -> l.getIndex() == layer.getIndex() ? layer : l);
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("FastLayers: DL4J's MultiLayerNetwork has no field layerMap", e);
        }
    }
}
