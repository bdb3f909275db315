package org.repro4j.viz;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A grid of small images (dataset samples, generated samples) with optional captions, as one picture. */
public final class ImageGrid {

    /** Height of the caption band under each image and the gap between cells, in pixels. */
    static final int CAPTION = 14, GAP = 4;

    private ImageGrid() {
    }

    /**
     * Draws each row of {@code images} as a {@code height x width} picture: grey levels when
     * {@code channels == 1}, colour when {@code channels == 3} (channel-major R, G, B planes as in
     * CIFAR-10). Pixel values are in [0, 1] (values outside are clamped); each pixel becomes a
     * {@code scale x scale} block.
     *
     * @param images   [n, channels * height * width]
     * @param captions one caption per image, drawn underneath; null for none
     * @param columns  images per row of the grid, at least 1
     */
    public static BufferedImage of(INDArray images, int channels, int height, int width,
                                   List<String> captions, int columns, int scale) {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels: expected 1 (grey) or 3 (RGB), got " + channels);
        }
        if (images.rank() != 2 || images.columns() != (long) channels * height * width) {
            throw new IllegalArgumentException("images: expected shape [n, " + channels * height * width + "] for "
                    + channels + "x" + height + "x" + width + " images, got " + Arrays.toString(images.shape()));
        }
        int n = images.rows();
        if (captions != null && captions.size() != n) {
            throw new IllegalArgumentException("captions: expected " + n + " (one per image), got " + captions.size());
        }
        if (columns < 1 || scale < 1) {
            throw new IllegalArgumentException("columns and scale: expected at least 1, got " + columns + " and " + scale);
        }
        int cellW = width * scale, cellH = height * scale + (captions == null ? 0 : CAPTION);
        int cols = Math.min(columns, Math.max(n, 1)), rows = (n + cols - 1) / cols;
        var grid = new BufferedImage(GAP + cols * (cellW + GAP), GAP + rows * (cellH + GAP), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = grid.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, grid.getWidth(), grid.getHeight());
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        float[][] pixels = images.toFloatMatrix();
        int plane = height * width;
        for (int i = 0; i < n; i++) {
            int x0 = GAP + (i % cols) * (cellW + GAP), y0 = GAP + (i / cols) * (cellH + GAP);
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int p = y * width + x;
                    int r = level(pixels[i][p]);
                    int rgb = channels == 1 ? r << 16 | r << 8 | r
                            : r << 16 | level(pixels[i][plane + p]) << 8 | level(pixels[i][2 * plane + p]);
                    for (int dy = 0; dy < scale; dy++) {
                        for (int dx = 0; dx < scale; dx++) {
                            grid.setRGB(x0 + x * scale + dx, y0 + y * scale + dy, rgb);
                        }
                    }
                }
            }
            if (captions != null) {
                String text = captions.get(i);
                var metrics = g.getFontMetrics();
                while (text.length() > 1 && metrics.stringWidth(text) > cellW) {
                    text = text.substring(0, text.length() - 1);
                }
                g.setColor(Color.DARK_GRAY);
                g.drawString(text, x0 + (cellW - metrics.stringWidth(text)) / 2, y0 + height * scale + CAPTION - 3);
            }
        }
        g.dispose();
        return grid;
    }

    private static int level(float value) {
        return Math.round(255 * Math.max(0f, Math.min(1f, value)));
    }
}
