package org.repro4j.models;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.factory.Nd4j;
import org.repro4j.HostArrays;

/**
 * The SiLU (swish) activation a = z sigma(z) in a training pass, with sigma(z) kept from the forward pass for the
 * backward one (Elfwing, Uchibe and Doya 2018, eq. 4 and its derivative eq. 5: da/dz = sigma(z) (1 + z (1 - sigma(z)))).
 *
 * <p>Why: libnd4j's {@code SwishDerivative} computes e^z (z + e^z + 1) / (e^z + 1)^2 with two {@code pow} calls,
 * 12 ns an element here (a third of a train step of a 3x256 SiLU MLP), and in float it overflows: NaN (inf / inf) for z
 * above 44.4, where the derivative is 1. The forward values are DL4J's to the bit (libnd4j's
 * {@code Swish} is z times the same {@code Sigmoid}); the derivative agrees with libnd4j's to float rounding where
 * that one is finite (tests).
 */
final class Silu {

    /** Elements a thread's buffers hold at a time in {@link #backprop}. */
    private static final int CHUNK = 4096;
    private static final ThreadLocal<float[][]> FLOATS = ThreadLocal.withInitial(() -> new float[3][CHUNK]);
    private static final ThreadLocal<double[][]> DOUBLES = ThreadLocal.withInitial(() -> new double[3][CHUNK]);

    private Silu() {
    }

    /** sigma(z) in a new array of z's type and order (in the workspace of {@code type}). */
    static INDArray sigmoid(INDArray z, ArrayType type, LayerWorkspaceMgr workspaceMgr) {
        INDArray s = workspaceMgr.createUninitialized(type, z.dataType(), z.shape(), z.ordering());
        Nd4j.getExecutioner().exec(new Sigmoid(z, s));
        return s;
    }

    /** a = z s in a new array (in the activations' workspace). */
    static INDArray activation(INDArray z, INDArray s, LayerWorkspaceMgr workspaceMgr) {
        INDArray a = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, z.dataType(), z.shape(), z.ordering());
        Nd4j.getExecutioner().exec(new MulOp(z, s, a));
        return a;
    }

    /**
     * dL/dz = dL/da (s + z s (1 - s)), written into {@code out} (and returned), which may be {@code s}; {@code s} =
     * sigma(z), {@code epsilon} = dL/da and {@code out} have z's shape and type. One pass in Java on the CPU for float and
     * double arrays in C order, else ND4J ops.
     */
    static INDArray backprop(INDArray z, INDArray s, INDArray epsilon, INDArray out) {
        boolean loops = HostArrays.onCpu() && z.dataType() == s.dataType() && z.dataType() == epsilon.dataType()
                && z.dataType() == out.dataType() && (z.dataType() == DataType.FLOAT || z.dataType() == DataType.DOUBLE)
                && HostArrays.inCOrder(z) && HostArrays.inCOrder(s) && HostArrays.inCOrder(epsilon) && HostArrays.inCOrder(out);
        if (!loops) {
            INDArray derivative = s.rsub(1.0).muli(z).muli(s).addi(s);
            return out.assign(derivative.muli(epsilon));
        }
        int n = (int) z.length();
        if (z.dataType() == DataType.FLOAT) {
            FloatBuffer zs = HostArrays.floats(z), ss = HostArrays.floats(s), es = HostArrays.floats(epsilon), os = HostArrays.floats(out);
            float[][] buffers = FLOATS.get();
            float[] zb = buffers[0], sb = buffers[1], eb = buffers[2];
            for (int start = 0; start < n; start += CHUNK) {
                int length = Math.min(CHUNK, n - start);
                zs.get(start, zb, 0, length);
                ss.get(start, sb, 0, length);
                es.get(start, eb, 0, length);
                for (int i = 0; i < length; i++) {
                    float sigma = sb[i];
                    sb[i] = eb[i] * (sigma + zb[i] * sigma * (1f - sigma));
                }
                os.put(start, sb, 0, length);
            }
        } else {
            DoubleBuffer zs = HostArrays.doubles(z), ss = HostArrays.doubles(s), es = HostArrays.doubles(epsilon), os = HostArrays.doubles(out);
            double[][] buffers = DOUBLES.get();
            double[] zb = buffers[0], sb = buffers[1], eb = buffers[2];
            for (int start = 0; start < n; start += CHUNK) {
                int length = Math.min(CHUNK, n - start);
                zs.get(start, zb, 0, length);
                ss.get(start, sb, 0, length);
                es.get(start, eb, 0, length);
                for (int i = 0; i < length; i++) {
                    double sigma = sb[i];
                    sb[i] = eb[i] * (sigma + zb[i] * sigma * (1 - sigma));
                }
                os.put(start, sb, 0, length);
            }
        }
        return out;
    }
}
