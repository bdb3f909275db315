/**
 * Pictures for notebooks: XChart {@link org.repro4j.viz.Plots} from tidy tables, {@link org.repro4j.viz.Show}
 * to turn them into images or files, {@link org.repro4j.viz.ImageGrid} for samples, and the text
 * {@link org.repro4j.viz.ProgressBar} of long loops. Nothing here knows which Jupyter kernel runs it:
 * a notebook passes the returned {@code BufferedImage} to its kernel's {@code display(...)}.
 */
package org.repro4j.viz;
