package org.repro4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationSwish;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

class SiluTest {

    private static final LayerWorkspaceMgr NO_WORKSPACES = LayerWorkspaceMgr.noWorkspaces();

    private static INDArray silu(INDArray z) {
        return Silu.activation(z, NO_WORKSPACES);
    }

    /** max |ours - expected| / max(1, |z|) over the elements. */
    private static double scaledError(INDArray ours, INDArray expected, INDArray z) {
        INDArray scale = Transforms.max(Transforms.abs(z.castTo(DataType.DOUBLE)), 1.0);
        return ours.castTo(DataType.DOUBLE).sub(expected.castTo(DataType.DOUBLE)).divi(scale).amaxNumber().doubleValue();
    }

    @Test
    void theActivationAndSigmaAreExactToFloatRoundingInEveryPass() {
        Nd4j.getRandom().setSeed(1);
        INDArray z = Nd4j.randn(DataType.FLOAT, 300, 70).muli(6);
        INDArray exactSigma = Transforms.sigmoid(z.castTo(DataType.DOUBLE), true);
        INDArray exact = exactSigma.mul(z.castTo(DataType.DOUBLE));
        INDArray dl4j = new ActivationSwish().getActivation(z.dup(), true);
        assertTrue(scaledError(dl4j, exact, z) < 2e-7, "libnd4j's own error " + scaledError(dl4j, exact, z));
        INDArray inference = silu(z);
        Silu.Forward training = Silu.forward(z, ArrayType.ACTIVATIONS, NO_WORKSPACES);
        assertTrue(scaledError(inference, exact, z) < 2e-7, "error " + scaledError(inference, exact, z));
        assertEquals(inference, training.activation());
        // oneDNN's backward pass works from z; the other path keeps sigma
        assertEquals(OneDnn.available(), training.sigmoid() == null);
        INDArray sigma = Silu.sigmoid(z, ArrayType.ACTIVATIONS, NO_WORKSPACES);
        double sigmaError = sigma.castTo(DataType.DOUBLE).sub(exactSigma).amaxNumber().doubleValue();
        assertTrue(sigmaError < 1e-7, "sigma's error " + sigmaError);
        if (training.sigmoid() != null) {
            assertEquals(sigma, training.sigmoid());
        }
        // a view that is not one run of memory takes ND4J's ops
        INDArray columns = z.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 35));
        assertTrue(scaledError(silu(columns), exact.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 35)), columns) < 2e-7);
    }

    @Test
    void theDerivativeIsDl4jsToRoundingWhereThatIsFinite() {
        Nd4j.getRandom().setSeed(2);
        INDArray z = Nd4j.randn(DataType.FLOAT, 200, 50).muli(8);
        INDArray epsilon = Nd4j.randn(DataType.FLOAT, 200, 50);
        INDArray expected = new ActivationSwish().backprop(z.dup(), epsilon).getFirst();
        INDArray actual = Silu.backprop(z, Silu.sigmoid(z, ArrayType.ACTIVATIONS, NO_WORKSPACES), epsilon, z.ulike());
        double error = actual.sub(expected).norm2Number().doubleValue() / expected.norm2Number().doubleValue();
        assertTrue(error < 1e-6, "relative error " + error);
        INDArray out = z.ulike();
        if (Silu.fromInput(z, epsilon, out)) {
            INDArray fromZ = Silu.backprop(z, null, epsilon, out);
            double oneDnnError = fromZ.sub(expected).norm2Number().doubleValue() / expected.norm2Number().doubleValue();
            assertTrue(oneDnnError < 1e-6, "oneDNN's relative error " + oneDnnError);
        }
    }

    @Test
    void withoutSigmaTheBackwardPassNeedsOneDnn() {
        INDArray z = Nd4j.randn(DataType.DOUBLE, 3, 4);
        var e = assertThrows(IllegalArgumentException.class, () -> Silu.backprop(z, null, z.dup(), z.ulike()));
        assertTrue(e.getMessage().startsWith("SiLU backward pass without sigma(z): oneDNN does not take z [3, 4] (DOUBLE)"), e.getMessage());
    }

    @Test
    void theDerivativeIsOneForLargeInputsWhereLibnd4jsOverflowsOnBothPaths() {
        INDArray z = Nd4j.createFromArray(45f, 100f, -100f, 0f);
        INDArray ones = Nd4j.ones(DataType.FLOAT, 4);
        INDArray dl4j = new ActivationSwish().backprop(z.dup(), ones).getFirst();
        assertTrue(Float.isNaN(dl4j.getFloat(0)), "libnd4j: e^z (z + e^z + 1) is inf / inf from z = 44.4 in float");
        assertTrue(Float.isNaN(dl4j.getFloat(1)));
        INDArray ours = Silu.backprop(z, Silu.sigmoid(z, ArrayType.ACTIVATIONS, NO_WORKSPACES), ones, z.ulike());
        assertEquals(1f, ours.getFloat(0));
        assertEquals(1f, ours.getFloat(1));
        assertEquals(0f, ours.getFloat(2), 1e-30);
        assertEquals(0.5f, ours.getFloat(3));
        INDArray out = z.ulike();
        if (Silu.fromInput(z, ones, out)) {
            INDArray oneDnn = Silu.backprop(z, null, ones, out);
            assertEquals(1f, oneDnn.getFloat(0));
            assertEquals(1f, oneDnn.getFloat(1));
            assertEquals(0f, oneDnn.getFloat(2), 1e-30);
            assertEquals(0.5f, oneDnn.getFloat(3));
        }
    }

    @Test
    void theDerivativeMatchesFiniteDifferencesInDoubleOnBothPaths() {
        Nd4j.getRandom().setSeed(3);
        INDArray z = Nd4j.randn(DataType.DOUBLE, 40, 30).muli(5);
        INDArray epsilon = Nd4j.randn(DataType.DOUBLE, 40, 30);
        double h = 1e-6;
        INDArray numeric = silu(z.add(h)).subi(silu(z.sub(h))).divi(2 * h).muli(epsilon);
        INDArray loops = Silu.backprop(z, Silu.sigmoid(z, ArrayType.ACTIVATIONS, NO_WORKSPACES), epsilon, z.ulike());
        assertTrue(numeric.equalsWithEps(loops, 1e-7), "Java loops");
        // F-order arrays take the ND4J ops
        INDArray zf = z.dup('f');
        INDArray ops = Silu.backprop(zf, Silu.sigmoid(zf, ArrayType.ACTIVATIONS, NO_WORKSPACES), epsilon.dup('f'), zf.ulike());
        assertTrue(numeric.equalsWithEps(ops, 1e-7), "ND4J ops");
    }
}
