package org.repro4j.train;

/**
 * Thrown when the thread running a training loop is interrupted (a notebook's "interrupt kernel"
 * button): the loop stops before its next iteration and says where it stopped.
 */
public class TrainingInterruptedException extends RuntimeException {

    public TrainingInterruptedException(long iteration, long total) {
        super("training interrupted after iteration " + iteration + " of " + total);
    }

    public TrainingInterruptedException(String message) {
        super(message);
    }
}
