package org.repro4j.models;

import java.lang.reflect.Field;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.impl.LayerVertex;
import org.deeplearning4j.nn.layers.ActivationLayer;
import org.deeplearning4j.nn.layers.OutputLayer;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.layers.convolution.upsampling.Upsampling2D;
import org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.MultiLayerUpdater;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.repro4j.ShapeInfoCache;

/**
 * Puts repro4j's faster layer implementations into a network DL4J built: {@link NativeConv}'s native convolutions and
 * pooling helpers, {@link MaxPoolLayer}'s max poolings, {@link SiluLayer}'s SiLU activation layers,
 * {@link UpsamplingLayer}'s upsamplings, {@link ReusingDense}'s dense layers, and in a
 * {@link MultiLayerNetwork} {@link ReusingOutput}'s output layer and {@link ReluConvolutionLayer}'s ReLU convolutions; and, once for
 * the process, ND4J's array shapes from a {@link ShapeInfoCache}. They compute DL4J's values (tests): to the bit, or to
 * float rounding where the arithmetic goes elsewhere (SiLU's passes; the dense and output layers' matrix products,
 * through {@link Gemm}; the convolutions, through {@link OneDnnConv} or where its natives are missing {@link
 * WeightGradients} for a first layer's weight gradients). Each has a system property that turns it off. {@code Models}, {@code UNet}, {@code TimeMlp} and {@code Nets} (copies, restored networks) call it; call it on a
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
        } else if (net instanceof ComputationGraph g && g.getLayers() != null) {
            swap(g);
        }
        return NativeConv.install(net);
    }

    /**
     * Replaces the network's plain DL4J dense, output, ReLU convolution, max-pooling, SiLU activation and upsampling layers by repro4j's, on the same parameters, gradient
     * views and listeners; the updater, if made already, is made again on the new layers with its state kept.
     */
    private static void swap(MultiLayerNetwork net) {
        boolean dense = Boolean.parseBoolean(System.getProperty(ReusingDense.PROPERTY, "true"));
        Layer[] layers = net.getLayers().clone();
        boolean changed = false;
        for (int i = 0; i < layers.length; i++) {
            if (dense && layers[i].getClass() == DenseLayer.class) {
                layers[i] = ReusingDense.of((DenseLayer) layers[i],
                        i == 0 && net.getLayerWiseConfigurations().getInputPreProcess(0) == null);
                changed = true;
            } else if (dense && layers[i].getClass() == OutputLayer.class) {
                layers[i] = ReusingOutput.of((OutputLayer) layers[i]);
                changed = true;
            } else if (Relu.enabled() && layers[i].getClass() == ConvolutionLayer.class
                    && Relu.plain(((ConvolutionLayer) layers[i]).layerConf().getActivationFn())) {
                layers[i] = ReluConvolutionLayer.of((ConvolutionLayer) layers[i]);
                changed = true;
            } else {
                Layer faster = withoutParameters(layers[i]);
                changed |= faster != layers[i];
                layers[i] = faster;
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

    /**
     * Replaces the graph's plain DL4J dense, max-pooling, SiLU activation and upsampling layers by repro4j's, in its layer
     * vertices and its array of layers, on the same parameters, gradient views and listeners; the updater, if made
     * already, is made again on the new layers with its state kept.
     */
    private static void swap(ComputationGraph graph) {
        boolean dense = Boolean.parseBoolean(System.getProperty(ReusingDense.PROPERTY, "true"));
        Layer[] layers = graph.getLayers();
        boolean withParameters = false;
        for (GraphVertex vertex : graph.getVertices()) {
            if (vertex instanceof LayerVertex layerVertex) {
                Layer old = layerVertex.getLayer();
                Layer faster = dense && old.getClass() == DenseLayer.class ? ReusingDense.of((DenseLayer) old, false) : withoutParameters(old);
                if (faster != old) {
                    withParameters |= faster instanceof ReusingDense;
                    setField(LayerVertex.class, "layer", layerVertex, faster);
                    for (int i = 0; i < layers.length; i++) {
                        if (layers[i] == old) {
                            layers[i] = faster;
                        }
                    }
                }
            }
        }
        if (withParameters && graph.getUpdater(false) != null) {
            graph.setUpdater(new ComputationGraphUpdater(graph, graph.getUpdater(false).getStateViewArray()));
        }
    }

    /** repro4j's layer in place of {@code layer} if that is DL4J's max pooling, SiLU activation or upsampling layer, else {@code layer}. */
    private static Layer withoutParameters(Layer layer) {
        if (NativeConv.enabled() && layer.getClass() == SubsamplingLayer.class
                && ((SubsamplingLayer) layer).layerConf().getPoolingType() == PoolingType.MAX) {
            return new MaxPoolLayer((SubsamplingLayer) layer);
        }
        if (Boolean.parseBoolean(System.getProperty(SiluLayer.PROPERTY, "true")) && SiluLayer.replaces(layer)) {
            return new SiluLayer((ActivationLayer) layer);
        }
        if (NativeConv.enabled() && layer.getClass() == Upsampling2D.class) {
            return new UpsamplingLayer((Upsampling2D) layer);
        }
        return layer;
    }

    /** {@code layer}, a new instance standing in for {@code old}, on old's parameters, gradient views and listeners. */
    static <L extends Layer> L onParametersOf(Layer old, L layer) {
        layer.setListeners(old.getListeners());
        layer.setIndex(old.getIndex());
        layer.setParamsViewArray(old.params());
        layer.setParamTable(old.paramTable());
        if (old.getGradientsViewArray() != null) {
            layer.setBackpropGradientsViewArray(old.getGradientsViewArray());
        }
        return layer;
    }

    private static void setField(Class<?> owner, String name, Object target, Object value) {
        try {
            Field field = owner.getDeclaredField(name);
            field.setAccessible(true);
            field.set(target, value);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("FastLayers: DL4J's " + owner.getSimpleName() + " has no field " + name, e);
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
