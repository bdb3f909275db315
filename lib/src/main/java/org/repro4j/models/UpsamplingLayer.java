package org.repro4j.models;

import java.nio.FloatBuffer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.upsampling.Upsampling2D;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.repro4j.HostArrays;
import org.repro4j.HostLoops;

/**
 * DL4J's nearest-neighbour 2-D upsampling layer with both passes in Java, one image plane at a time, for float NCHW
 * arrays on the CPU: forward, each input value repeated over its s_h x s_w block of the output; backward, each block's
 * gradients summed in row-major order from zero, as libnd4j's {@code upsampling_bp} sums them (the same values to the
 * bit, a test). libnd4j's {@code upsampling2d} op took 7.5 ms of an 82 ms sampling step of the diffusion U-Net at batch
 * 128 (two upsamplings, to 14x14 and 28x28, 32 channels). The planes are split across {@link HostLoops}' threads. Other
 * layouts, types and a dropout take DL4J's path.
 * {@link FastLayers#install} swaps it in.
 */
final class UpsamplingLayer extends Upsampling2D {

    /** This layer in place of {@code old}, which has no parameters, with its listeners. */
    UpsamplingLayer(Upsampling2D old) {
        super(old.conf(), old.getDataType());
        setListeners(old.getListeners());
        setIndex(old.getIndex());
    }

    @Override
    protected INDArray preOutput(boolean training, boolean forBackprop, LayerWorkspaceMgr workspaceMgr) {
        if (!HostArrays.onCpu() || input == null || input.rank() != 4 || input.dataType() != DataType.FLOAT
                || getFormat() != CNN2DFormat.NCHW || preOutput != null && forBackprop) {
            return super.preOutput(training, forBackprop, workspaceMgr);
        }
        applyDropOutIfNecessary(training, workspaceMgr);  // once: DL4J's path will not apply it again
        if (!HostArrays.inCOrder(input)) {
            return super.preOutput(training, forBackprop, workspaceMgr);
        }
        int[] size = getSize();
        int planes = (int) (input.size(0) * input.size(1)), h = (int) input.size(2), w = (int) input.size(3);
        int outH = h * size[0], outW = w * size[1];
        INDArray output = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT,
                new long[] {input.size(0), input.size(1), outH, outW}, 'c');
        FloatBuffer in = HostArrays.floats(input), out = HostArrays.floats(output);
        boolean pairs = size[1] == 2;
        HostLoops.split(planes, HostLoops.grain((long) outH * outW), (from, to) -> {
            float[] plane = new float[h * w], big = new float[outH * outW];
            for (int p = from; p < to; p++) {
                in.get(p * h * w, plane);
                for (int i = 0; i < h; i++) {
                    int row = i * size[0] * outW;
                    for (int j = 0; j < w; j++) {
                        float v = plane[i * w + j];
                        if (pairs) {  // the U-Net's factor of 2, without the loop over the block's width
                            big[row + 2 * j] = v;
                            big[row + 2 * j + 1] = v;
                            continue;
                        }
                        for (int b = 0, at = row + j * size[1]; b < size[1]; b++) {
                            big[at + b] = v;
                        }
                    }
                    for (int r = 1; r < size[0]; r++) {
                        System.arraycopy(big, row, big, row + r * outW, outW);
                    }
                }
                out.put(p * outH * outW, big);
            }
        });
        return output;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        if (!HostArrays.onCpu() || input == null || input.rank() != 4 || input.dataType() != DataType.FLOAT || epsilon.dataType() != DataType.FLOAT
                || getFormat() != CNN2DFormat.NCHW || !HostArrays.inCOrder(epsilon) || layerConf().getIDropout() != null) {
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        int[] size = getSize();
        int planes = (int) (input.size(0) * input.size(1)), h = (int) input.size(2), w = (int) input.size(3);
        int outH = h * size[0], outW = w * size[1];
        INDArray gradient = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape(), 'c');
        FloatBuffer in = HostArrays.floats(epsilon), out = HostArrays.floats(gradient);
        boolean twoByTwo = size[0] == 2 && size[1] == 2;
        HostLoops.split(planes, HostLoops.grain((long) outH * outW), (from, to) -> {
            float[] big = new float[outH * outW], plane = new float[h * w];
            for (int p = from; p < to; p++) {
                in.get(p * outH * outW, big);
                for (int i = 0; i < h && twoByTwo; i++) {
                    // the U-Net's 2 x 2 blocks: the same sum in the same order as the general loop below, unrolled
                    int top = 2 * i * outW, bottom = top + outW;
                    for (int j = 0; j < w; j++) {
                        int k = 2 * j;
                        plane[i * w + j] = (((0f + big[top + k]) + big[top + k + 1]) + big[bottom + k]) + big[bottom + k + 1];
                    }
                }
                for (int i = 0; i < h && !twoByTwo; i++) {
                    for (int j = 0; j < w; j++) {
                        float sum = 0f;
                        for (int a = 0; a < size[0]; a++) {
                            for (int b = 0; b < size[1]; b++) {
                                sum += big[(i * size[0] + a) * outW + j * size[1] + b];
                            }
                        }
                        plane[i * w + j] = sum;
                    }
                }
                out.put(p * h * w, plane);
            }
        });
        return new Pair<>(new DefaultGradient(), gradient);
    }
}
