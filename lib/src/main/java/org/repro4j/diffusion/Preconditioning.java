package org.repro4j.diffusion;

import java.util.function.DoubleUnaryOperator;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.repro4j.Check;

/**
 * How a network's output becomes a {@link Denoiser}: D(x; sigma) = c_skip(sigma) x + c_out(sigma)
 * F(c_in(sigma) x, c_noise(sigma)) (Karras et al. 2022, eq. 7 and Table 1). The factories express each
 * parametrisation this way, so the samplers never see it; the matching training target of F is
 * {@link #target} (Karras et al. eq. 8), which for each factory is its paper's regression target.
 *
 * @param name   the parametrisation, for {@link #toString()}
 * @param cSkip  weight of the skip connection, of sigma
 * @param cOut   scale of the network's output, of sigma
 * @param cIn    scale of the network's input, of sigma
 * @param cNoise the network's noise condition, of sigma
 */
public record Preconditioning(String name, DoubleUnaryOperator cSkip, DoubleUnaryOperator cOut,
                              DoubleUnaryOperator cIn, DoubleUnaryOperator cNoise) {

    /**
     * Epsilon prediction (Ho et al. 2020, eq. 11-14): F predicts the noise from the VP input
     * x / sqrt(1 + sigma^2), and D = x - sigma F (Karras et al. Table 1, "VP").
     */
    public static Preconditioning eps(DoubleUnaryOperator cNoise) {
        return new Preconditioning("eps", s -> 1, s -> -s, Preconditioning::vpScale, cNoise);
    }

    /** Data prediction: F predicts x0 from the VP input, D = F. */
    public static Preconditioning x0(DoubleUnaryOperator cNoise) {
        return new Preconditioning("x0", s -> 0, s -> 1, Preconditioning::vpScale, cNoise);
    }

    /**
     * v prediction (Salimans and Ho 2022, "Progressive Distillation", section 4): F predicts
     * v = alpha eps - sigma_vp x0 from the VP input, so D = x / (1 + sigma^2) - sigma / sqrt(1 + sigma^2) F.
     */
    public static Preconditioning v(DoubleUnaryOperator cNoise) {
        return new Preconditioning("v", s -> 1 / (1 + s * s), s -> -s * vpScale(s), Preconditioning::vpScale, cNoise);
    }

    /**
     * Velocity prediction for the linear {@link Interpolant} x_t = (1 - t) z + t x1 (flow matching,
     * Lipman et al. 2023; Albergo et al. 2023): F(x_t, t) predicts x1 - z, x_t = t x and t = 1 / (1 + sigma),
     * so D = x_t + (1 - t) F.
     */
    public static Preconditioning velocity() {
        return new Preconditioning("velocity", Interpolant::time, s -> s * Interpolant.time(s), Interpolant::time,
                Interpolant::time);
    }

    /**
     * Noise prediction for the linear {@link Interpolant}: F(x_t, t) predicts the noise z, whose
     * posterior mean gives the score s = -E[z | x_t] / (1 - t) (Albergo et al. 2023, the denoiser eta_z
     * of their score objective); with x = x_t / t = x1 + sigma z, D = x - sigma F.
     */
    public static Preconditioning interpolantNoise() {
        return new Preconditioning("interpolant noise", s -> 1, s -> -s, Interpolant::time, Interpolant::time);
    }

    /** Karras et al. 2022, Table 1, "ours": unit-variance input and target for data of standard deviation sigmaData. */
    public static Preconditioning edm(double sigmaData) {
        double sd2 = sigmaData * sigmaData;
        return new Preconditioning("edm", s -> sd2 / (s * s + sd2), s -> s * sigmaData / Math.sqrt(s * s + sd2),
                s -> 1 / Math.sqrt(s * s + sd2), s -> Math.log(s) / 4);
    }

    /**
     * The consistency function's parametrisation (Song et al. 2023, "Consistency Models", Appendix C;
     * kept by Song and Dhariwal 2023): c_skip = sd^2 / ((sigma - sigmaMin)^2 + sd^2) and
     * c_out = sd (sigma - sigmaMin) / sqrt(sigma^2 + sd^2), so D(x; sigmaMin) = x exactly.
     */
    public static Preconditioning consistency(double sigmaData, double sigmaMin) {
        double sd2 = sigmaData * sigmaData;
        return new Preconditioning("consistency", s -> sd2 / ((s - sigmaMin) * (s - sigmaMin) + sd2),
                s -> sigmaData * (s - sigmaMin) / Math.sqrt(s * s + sd2), s -> 1 / Math.sqrt(s * s + sd2), s -> Math.log(s) / 4);
    }

    /** The condition of a network trained on the discrete timesteps of {@code alphaBars}: the fractional timestep over T - 1, in [0, 1]. */
    public static DoubleUnaryOperator timestep(double[] alphaBars) {
        return s -> Schedules.time(alphaBars, s) / Math.max(1, alphaBars.length - 1);
    }

    /**
     * The denoiser D of {@code net}: {@link #apply} at one level for every row, with scalar coefficients and
     * {@link NoiseNet#output(INDArray, double)} (the same values, fewer and smaller array operations).
     */
    public Denoiser denoiser(NoiseNet net) {
        return (x, sigma) -> {
            Check.positive("sigma", sigma);
            INDArray out = net.output(x.mul(cIn.applyAsDouble(sigma)), cNoise.applyAsDouble(sigma));
            return out.castTo(x.dataType()).muli(cOut.applyAsDouble(sigma)).addi(x.mul(cSkip.applyAsDouble(sigma)));
        };
    }

    /** D(x_i; sigma_i) = c_skip x_i + c_out F(c_in x_i, c_noise) of {@code net} for every row i, in the data type of x. */
    public INDArray apply(NoiseNet net, INDArray x, double[] sigmas) {
        INDArray out = net.output(x.mulColumnVector(column(sigmas, cIn).castTo(x.dataType())), column(sigmas, cNoise));
        return out.castTo(x.dataType()).muliColumnVector(column(sigmas, cOut).castTo(x.dataType()))
                .addi(x.mulColumnVector(column(sigmas, cSkip).castTo(x.dataType())));
    }

    /** The target of F that makes D(x; sigma) = x0: (x0 - c_skip x) / c_out, row by row at the levels {@code sigmas}. */
    public INDArray target(INDArray x, INDArray x0, double[] sigmas) {
        INDArray skip = column(sigmas, cSkip).castTo(x.dataType());
        return x0.sub(x.mulColumnVector(skip)).diviColumnVector(column(sigmas, cOut).castTo(x.dataType()));
    }

    /** f(sigma_i) for every row i, as a column [n, 1] in double precision. */
    static INDArray column(double[] sigmas, DoubleUnaryOperator f) {
        double[] values = new double[sigmas.length];
        for (int i = 0; i < sigmas.length; i++) {
            values[i] = f.applyAsDouble(sigmas[i]);
        }
        return Nd4j.createFromArray(values).reshape(sigmas.length, 1);
    }

    private static double vpScale(double sigma) {
        return 1 / Math.sqrt(1 + sigma * sigma);
    }

    @Override
    public String toString() {
        return "Preconditioning[" + name + "]";
    }
}
