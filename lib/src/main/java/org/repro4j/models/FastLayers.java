package org.repro4j.models;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Puts repro4j's faster layer implementations into a network DL4J built: {@link NativeConv}'s native
 * convolutions and poolings, and {@link ReusingDense}'s dense layers. Both compute the same values as
 * DL4J's own (tests); each has a system property that turns it off. {@code Models}, {@code UNet},
 * {@code TimeMlp} and {@code Nets} (copies, restored networks) call it; call it on a network you build
 * yourself.
 */
public final class FastLayers {

    private FastLayers() {
    }

    /** Installs both into {@code net} (one instance: call it again on a clone) and returns {@code net}. */
    public static <M extends Model> M install(M net) {
        NativeConv.install(net);
        if (net instanceof MultiLayerNetwork m) {
            ReusingDense.install(m);
        }
        return net;
    }
}
