package org.repro4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.convolution.upsampling.Upsampling2D;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.repro4j.HostLoops;
import org.repro4j.diffusion.UNet;
import org.repro4j.optim.FastAdam;

class UpsamplingLayerTest {

    private static final LayerWorkspaceMgr NO_WORKSPACES = LayerWorkspaceMgr.noWorkspaces();

    private static Upsampling2D dl4jLayer(int sh, int sw) {
        var conf = new NeuralNetConfiguration.Builder()
                .layer(new org.deeplearning4j.nn.conf.layers.Upsampling2D.Builder().size(new int[] {sh, sw}).build()).build();
        return (Upsampling2D) conf.getLayer().instantiate(conf, null, 0, null, true, DataType.FLOAT);
    }

    private static float[] values(INDArray a) {
        return a.dup('c').ravel().toFloatVector();
    }

    @Test
    void theForwardPassIsDl4jsToTheBitAndTheBackwardPassIsDl4js() {
        for (int[] size : new int[][] {{2, 2}, {3, 2}, {2, 3}}) {
            Upsampling2D dl4j = dl4jLayer(size[0], size[1]);
            UpsamplingLayer ours = new UpsamplingLayer(dl4j);
            Nd4j.getRandom().setSeed(size[0]);
            INDArray x = Nd4j.randn(DataType.FLOAT, 3, 4, 5, 7);
            for (INDArray input : List.of(x, x.dup('f'))) {
                dl4j.setInput(input, NO_WORKSPACES);
                ours.setInput(input, NO_WORKSPACES);
                INDArray expected = dl4j.activate(true, NO_WORKSPACES), actual = ours.activate(true, NO_WORKSPACES);
                assertEquals(Arrays.toString(expected.shape()), Arrays.toString(actual.shape()));
                assertArrayEquals(values(expected), values(actual), Arrays.toString(size) + ", order " + input.ordering());
                INDArray epsilon = Nd4j.randn(DataType.FLOAT, expected.shape());
                assertArrayEquals(values(dl4j.backpropGradient(epsilon, NO_WORKSPACES).getSecond()),
                        values(ours.backpropGradient(epsilon, NO_WORKSPACES).getSecond()));
            }
        }
    }

    @Test
    void twoThreadsGiveOneThreadsResults() {
        UpsamplingLayer ours = new UpsamplingLayer(dl4jLayer(2, 2));
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.randn(DataType.FLOAT, 8, 32, 14, 14);
        INDArray epsilon = Nd4j.randn(DataType.FLOAT, 8, 32, 28, 28);
        HostLoops.using(2, () -> assertEquals(2, HostLoops.ranges(8 * 32, HostLoops.grain(28 * 28)), "the planes split in two"));
        float[][] forward = new float[2][], backward = new float[2][];
        for (int threads = 1; threads <= 2; threads++) {
            int t = threads - 1;
            HostLoops.using(threads, () -> {
                ours.setInput(x, NO_WORKSPACES);
                forward[t] = values(ours.activate(true, NO_WORKSPACES));
                backward[t] = values(ours.backpropGradient(epsilon, NO_WORKSPACES).getSecond());
            });
        }
        assertArrayEquals(forward[0], forward[1]);
        assertArrayEquals(backward[0], backward[1]);
        assertEquals(x.getFloat(7, 31, 13, 13), forward[1][forward[1].length - 1]);
    }

    @Test
    void theUNetGetsThem() {
        var unet = UNet.create(1, 8, 8, List.of(4, 8), 3, 0, new FastAdam(1e-3), 3);
        assertEquals(1, Arrays.stream(unet.network().getLayers()).filter(l -> l.getClass() == UpsamplingLayer.class).count());
        assertEquals(0, Arrays.stream(unet.network().getLayers()).filter(l -> l.getClass() == Upsampling2D.class).count());
    }
}
