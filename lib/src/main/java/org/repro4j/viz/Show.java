package org.repro4j.viz;

import java.awt.image.BufferedImage;
import java.awt.image.RenderedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.VectorGraphicsEncoder.VectorGraphicsFormat;
import org.knowm.xchart.internal.chartpart.Chart;
import org.repro4j.data.AtomicFiles;

/**
 * Turns charts into what a notebook shows or keeps. A {@link BufferedImage} passed to a Java
 * kernel's own {@code display(...)} renders inline as image/png, so this class needs no kernel
 * API; files are written atomically (a temporary file in the same folder, then a rename), so
 * an interrupted save never leaves a truncated figure behind.
 */
public final class Show {

    private Show() {}

    /** Renders {@code chart} at its own width and height, ready for {@code display(...)}. */
    public static BufferedImage png(Chart<?, ?> chart) {
        return BitmapEncoder.getBufferedImage(chart);
    }

    /**
     * Saves {@code chart} as PNG or SVG, chosen by the file's extension ({@code .png},
     * {@code .svg}, any case), creating missing parent folders and replacing an existing file.
     *
     * @return {@code file}
     * @throws IllegalArgumentException if the extension is neither .png nor .svg
     */
    public static Path save(Chart<?, ?> chart, Path file) throws IOException {
        return switch (extension(file)) {
            case "png" -> AtomicFiles.write(file, out -> BitmapEncoder.saveBitmap(chart, out, BitmapFormat.PNG));
            case "svg" -> AtomicFiles.write(file, out -> VectorGraphicsEncoder.saveVectorGraphic(chart, out,
                    VectorGraphicsFormat.SVG));
            default -> throw unknownExtension(file, ".png or .svg");
        };
    }

    /**
     * Saves an image, e.g. an {@link ImageGrid}, as PNG, atomically like {@link #save(Chart, Path)}.
     *
     * @return {@code file}
     * @throws IllegalArgumentException if the extension is not .png
     */
    public static Path save(RenderedImage image, Path file) throws IOException {
        if (!extension(file).equals("png")) {
            throw unknownExtension(file, ".png");
        }
        return AtomicFiles.write(file, out -> ImageIO.write(image, "png", out));
    }

    private static String extension(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    private static IllegalArgumentException unknownExtension(Path file, String expected) {
        return new IllegalArgumentException("cannot save to '" + file + "': unknown extension '"
                + extension(file) + "', expected " + expected);
    }
}
