/**
 * What a notebook shows: XChart charts from tidy Tablesaw tables ({@link org.repro4j.viz.Plots}),
 * charts rendered to images or saved atomically as PNG/SVG ({@link org.repro4j.viz.Show}), grids
 * of dataset or generated images ({@link org.repro4j.viz.ImageGrid}) and a text progress bar for
 * long loops ({@link org.repro4j.viz.ProgressBar}).
 *
 * <p>Nothing here knows which Jupyter kernel runs it: images are plain
 * {@link java.awt.image.BufferedImage}s, which any Java kernel's own {@code display(...)} renders
 * as image/png, and the progress bar writes to a {@link java.io.PrintStream}. Rendering needs no
 * display; kernels should run with {@code -Djava.awt.headless=true}.
 */
package org.repro4j.viz;
