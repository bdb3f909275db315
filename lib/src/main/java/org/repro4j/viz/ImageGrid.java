package org.repro4j.viz;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A grid of small images (dataset samples, filters, diffusion samples) as one
 * {@link BufferedImage}, each cell upscaled by nearest neighbour and optionally captioned.
 *
 * <p>Layout: {@code min(columns, n)} cells a row, each {@code width*scale} by
 * {@code height*scale} pixels plus a {@value #CAPTION_HEIGHT}-pixel caption band below it when
 * captions are given, with {@value #PAD} white pixels around and between cells. NaN pixels are
 * drawn magenta so a diverged sample stands out instead of passing for black.
 */
public final class ImageGrid {

    /** White pixels around and between cells. */
    static final int PAD = 2;
    /** Height in pixels of the caption band under each cell, when captions are given. */
    static final int CAPTION_HEIGHT = 16;
    /** Colour of a pixel with a NaN value in any channel. */
    static final int NAN_RGB = 0xFF00FF;

    private static final Font CAPTION_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);

    private ImageGrid() {}

    /**
     * A grid of images whose values are intensities in [0, 1]; values outside are clamped.
     *
     * @param images one image a row, shape [n, channels*height*width] (or [n, channels, height,
     *     width], flattened in C order); RGB rows hold three channel-major planes R, G, B as in
     *     CIFAR-10
     * @param channels 1 (grayscale) or 3 (RGB)
     * @param height image height in pixels
     * @param width image width in pixels
     * @param captions one caption per image, shown under it, or null for none
     * @param columns cells per grid row (at most n are used)
     * @param scale upscaling factor, nearest neighbour
     * @throws IllegalArgumentException if the shapes, counts or sizes do not fit together
     */
    public static BufferedImage of(INDArray images, int channels, int height, int width, List<String> captions,
            int columns, int scale) {
        return of(images, channels, height, width, captions, columns, scale, 0, 1);
    }

    /**
     * As {@link #of(INDArray, int, int, int, List, int, int)}, for values in [{@code min},
     * {@code max}] (e.g. -1 and 1 for diffusion samples), mapped linearly to black..white and
     * clamped outside that range.
     *
     * @throws IllegalArgumentException also if {@code min >= max}
     */
    public static BufferedImage of(INDArray images, int channels, int height, int width, List<String> captions,
            int columns, int scale, double min, double max) {
        float[][] rows = validatedRows(images, channels, height, width, captions, columns, scale, min, max);
        int n = rows.length;
        int cols = Math.min(columns, n);
        int gridRows = (n + cols - 1) / cols;
        int cellW = width * scale;
        int imageH = height * scale;
        int cellH = imageH + (captions == null ? 0 : CAPTION_HEIGHT);
        BufferedImage grid = new BufferedImage(cols * (cellW + PAD) + PAD, gridRows * (cellH + PAD) + PAD,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = grid.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, grid.getWidth(), grid.getHeight());
            for (int i = 0; i < n; i++) {
                int left = PAD + (i % cols) * (cellW + PAD);
                int top = PAD + (i / cols) * (cellH + PAD);
                drawImage(grid, rows[i], channels, height, width, scale, left, top, min, max);
                if (captions != null) {
                    drawCaption(g, captions.get(i), left, top + imageH, cellW);
                }
            }
        } finally {
            g.dispose();
        }
        return grid;
    }

    private static float[][] validatedRows(INDArray images, int channels, int height, int width,
            List<String> captions, int columns, int scale, double min, double max) {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 (grayscale) or 3 (RGB), got " + channels);
        }
        requirePositive("height", height);
        requirePositive("width", width);
        requirePositive("columns", columns);
        requirePositive("scale", scale);
        if (!(min < max)) {
            throw new IllegalArgumentException("min must be below max, got min " + min + ", max " + max);
        }
        if (images.rank() < 2 || images.size(0) == 0) {
            throw new IllegalArgumentException("images must have shape [n, channels*height*width] with n > 0, got "
                    + Arrays.toString(images.shape()));
        }
        long n = images.size(0);
        INDArray flat = images.rank() == 2 ? images : images.reshape('c', n, images.length() / n);
        long expected = (long) channels * height * width;
        if (flat.columns() != expected) {
            throw new IllegalArgumentException("images have " + flat.columns() + " values each, but channels*height*width = "
                    + channels + "*" + height + "*" + width + " = " + expected);
        }
        if (captions != null && captions.size() != n) {
            throw new IllegalArgumentException("got " + captions.size() + " captions for " + n + " images");
        }
        return flat.toFloatMatrix();
    }

    private static void requirePositive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be > 0, got " + value);
        }
    }

    private static void drawImage(BufferedImage grid, float[] values, int channels, int height, int width, int scale,
            int left, int top, double min, double max) {
        int plane = height * width;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int p = y * width + x;
                int rgb = channels == 1
                        ? rgb(values[p], values[p], values[p], min, max)
                        : rgb(values[p], values[plane + p], values[2 * plane + p], min, max);
                for (int dy = 0; dy < scale; dy++) {
                    for (int dx = 0; dx < scale; dx++) {
                        grid.setRGB(left + x * scale + dx, top + y * scale + dy, rgb);
                    }
                }
            }
        }
    }

    private static int rgb(float r, float g, float b, double min, double max) {
        if (Float.isNaN(r) || Float.isNaN(g) || Float.isNaN(b)) {
            return NAN_RGB;
        }
        return level(r, min, max) << 16 | level(g, min, max) << 8 | level(b, min, max);
    }

    /** Maps {@code v} in [min, max] linearly to 0..255, clamping outside. */
    private static int level(float v, double min, double max) {
        double unit = Math.min(1, Math.max(0, (v - min) / (max - min)));
        return (int) Math.round(unit * 255);
    }

    /** Centres the caption under its cell, or left-aligns and clips it if it is wider. */
    private static void drawCaption(Graphics2D g, String caption, int left, int top, int cellW) {
        if (caption == null || caption.isEmpty()) {
            return;
        }
        g.setFont(CAPTION_FONT);
        g.setColor(Color.BLACK);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        FontMetrics fm = g.getFontMetrics();
        int x = left + Math.max(0, (cellW - fm.stringWidth(caption)) / 2);
        int baseline = top + (CAPTION_HEIGHT - fm.getHeight()) / 2 + fm.getAscent();
        g.setClip(left, top, cellW, CAPTION_HEIGHT);
        g.drawString(caption, x, baseline);
        g.setClip(null);
    }
}
