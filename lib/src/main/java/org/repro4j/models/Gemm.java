package org.repro4j.models;

import static org.bytedeco.dnnl.global.dnnl.dnnl_sgemm;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The dense layers' matrix products, C = alpha op(A) op(B) + beta C, through oneDNN's {@code dnnl_sgemm} called directly
 * where {@link OneDnn} takes the arrays, else through {@link Nd4j#gemm} (the same arguments; the same
 * result to float rounding, as the two sum in different orders).
 *
 * <p>Why: ND4J 1.0.0-M2.1 runs each product as a custom op (an op context, shape checks, and then OpenBLAS), about 18 us a
 * call before any arithmetic: a 60x100 by 100x10 product took 19.3 us through {@link Nd4j#gemm} and 1.2 us through
 * {@code dnnl_sgemm}, and LeNet-300-100's 60x784 by 784x300 took 144 and 121 us at one thread (README, Performance).
 * At two threads OpenBLAS's own threads, which spin for a while after each product (tens of milliseconds on these
 * CPUs), took a core from the OpenMP threads the next layer ran on; {@code dnnl_sgemm} runs on those same OpenMP threads.
 *
 * <p>Layouts: each operand must have a unit stride along one of its two dimensions (row-major or column-major, views
 * included); oneDNN's row-major {@code sgemm} takes a column-major operand as its transpose, and a column-major C by
 * computing C^T = op(B)^T op(A)^T. Anything else (another type, rank or layout, an empty dimension, or shapes that do
 * not match, whose error ND4J words) goes to ND4J.
 *
 * <p>Public for a notebook's own products and for the bench's {@code gemm_2048}, which times the product repro4j's layers
 * run. oneDNN picks its kernels for the CPU it finds and ignores {@code OPENBLAS_CORETYPE}: float32 2048 x 2048 at one
 * thread on an AVX-512 Zen took 62-66 ms here, against 124 ms through {@link Nd4j#gemm} with OpenBLAS held to its
 * Haswell (AVX2) kernels by that variable, and 66.5 ms for PyTorch's {@code torch.mm} on OpenBLAS's SkylakeX kernels.
 */
public final class Gemm {

    private Gemm() {
    }

    /** c = alpha op(a) op(b) + beta c, where op transposes when asked; with beta = 0, c's old contents are not read. */
    public static void gemm(INDArray a, INDArray b, INDArray c, boolean transposeA, boolean transposeB, double alpha, double beta) {
        Layout[] l = layouts(a, b, c, transposeA, transposeB);
        if (l == null) {
            Nd4j.gemm(a, b, c, transposeA, transposeB, alpha, beta);
            return;
        }
        Layout la = l[0], lb = l[1], lc = l[2];
        long m = c.size(0), n = c.size(1), k = a.size(transposeA ? 0 : 1);
        // op(x) = S_x^(transposed) for x's row-major storage S_x
        boolean ta = transposeA != la.columnMajor, tb = transposeB != lb.columnMajor;
        int status;
        if (!lc.columnMajor) {
            status = dnnl_sgemm(flag(ta), flag(tb), m, n, k, (float) alpha, la.data, la.leading, lb.data, lb.leading,
                    (float) beta, lc.data, lc.leading);
        } else { // C^T = op(B)^T op(A)^T, row-major
            status = dnnl_sgemm(flag(!tb), flag(!ta), n, m, k, (float) alpha, lb.data, lb.leading, la.data, la.leading,
                    (float) beta, lc.data, lc.leading);
        }
        if (status != 0) {
            throw new IllegalStateException("dnnl_sgemm returned status " + status + " for " + m + "x" + k + " by " + k + "x" + n);
        }
    }

    /** Whether oneDNN computes this product: float matrices in host memory, non-empty, matching, each row- or column-major. */
    static boolean direct(INDArray a, INDArray b, INDArray c, boolean transposeA, boolean transposeB) {
        return layouts(a, b, c, transposeA, transposeB) != null;
    }

    /** The layouts of a, b and c where oneDNN computes their product ({@link #direct}), else null. */
    private static Layout[] layouts(INDArray a, INDArray b, INDArray c, boolean transposeA, boolean transposeB) {
        if (!OneDnn.takes(a, b, c) || a.rank() != 2 || b.rank() != 2 || c.rank() != 2 || a.isEmpty() || b.isEmpty() || c.isEmpty()) {
            return null;
        }
        long k = a.size(transposeA ? 0 : 1);
        if (a.size(transposeA ? 1 : 0) != c.size(0) || b.size(transposeB ? 1 : 0) != k || b.size(transposeB ? 0 : 1) != c.size(1)) {
            return null;
        }
        Layout la = Layout.of(a), lb = Layout.of(b), lc = Layout.of(c);
        return la == null || lb == null || lc == null ? null : new Layout[] {la, lb, lc};
    }

    /**
     * A dense layer's z = xW + b (no bias where {@code b} is null) for its input x, cast to W's type, in a new column-major
     * array of the layer's activations (see {@link ReusingDense} on the order).
     */
    static INDArray affine(INDArray x, INDArray w, INDArray b, LayerWorkspaceMgr workspaceMgr) {
        INDArray z = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, w.dataType(), new long[] {x.size(0), w.size(1)}, 'f');
        gemm(x.castTo(w.dataType()), w, z, false, false, 1.0, 0.0);
        if (b != null) {
            z.addiRowVector(b);
        }
        return z;
    }

    /** The weight gradient of {@link #affine}, dL/dW = x^T delta (x cast to the gradient's type), into {@code gradient}. */
    static void weightGradient(INDArray x, INDArray delta, INDArray gradient) {
        gemm(x.castTo(gradient.dataType()), delta, gradient, true, false, 1.0, 0.0);
    }

    /**
     * The input gradient of {@link #affine}, dL/dx = delta W^T, in a new array of the layer's activation gradients: the
     * row-major view of a column-major product, as DL4J makes it.
     */
    static INDArray inputGradient(INDArray w, INDArray delta, LayerWorkspaceMgr workspaceMgr) {
        INDArray transposed = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, delta.dataType(),
                new long[] {w.size(0), delta.size(0)}, 'f');
        gemm(w, delta, transposed, false, true, 1.0, 0.0);
        return transposed.transpose();
    }

    private static byte flag(boolean transposed) {
        return (byte) (transposed ? 'T' : 'N');
    }

    /**
     * A matrix's storage as oneDNN's row-major {@code sgemm} reads it: its data, whether the matrix is the transpose of
     * that storage (column-major), and the storage's leading dimension (elements from one stored row to the next).
     */
    private record Layout(FloatPointer data, boolean columnMajor, long leading) {

        /** The layout of the non-empty matrix {@code x}, or null where it has neither a row-major nor a column-major one. */
        static Layout of(INDArray x) {
            long rows = x.size(0), columns = x.size(1), rowStride = x.stride(0), columnStride = x.stride(1);
            boolean rowMajor = columnStride == 1 || columns == 1;
            long leading = rowMajor ? (rows == 1 ? columns : rowStride) : (columns == 1 ? rows : columnStride);
            if (!rowMajor && rowStride != 1 && rows != 1 || leading < (rowMajor ? columns : rows)) {
                return null;
            }
            return new Layout(new FloatPointer((Pointer) x.data().addressPointer()), !rowMajor, leading);
        }
    }
}
