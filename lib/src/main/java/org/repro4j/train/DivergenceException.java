package org.repro4j.train;

/**
 * Training diverged: the loss (or, when a checkpoint is written, a parameter) became NaN or
 * infinite. An {@link IllegalStateException}, so code that does not expect divergence fails as
 * before; a learning-rate sweep catches it to record the run as diverged (see {@code
 * org.repro4j.experiment.Runs#runOrRecordDivergence}).
 */
public class DivergenceException extends IllegalStateException {

    private final long iteration;

    /**
     * @param message   what became non-finite and where
     * @param iteration the iteration at which it was found (1 = after the first update)
     * @param cause     the exception this one adds context to, or null
     */
    public DivergenceException(String message, long iteration, Throwable cause) {
        super(message, cause);
        this.iteration = iteration;
    }

    /** The iteration at which the loss or the parameters were found non-finite. */
    public long iteration() {
        return iteration;
    }
}
