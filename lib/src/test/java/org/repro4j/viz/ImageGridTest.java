package org.repro4j.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ImageGridTest extends HeadlessTest {

    private static final int PAD = ImageGrid.PAD;

    /** RGB of the pixel at the centre of cell {@code (row, col)} of a grid of h x w images. */
    private static int centre(BufferedImage grid, int row, int col, int h, int w, int scale, boolean captions) {
        int cellH = h * scale + (captions ? ImageGrid.CAPTION_HEIGHT : 0);
        int x = PAD + col * (w * scale + PAD) + w * scale / 2;
        int y = PAD + row * (cellH + PAD) + h * scale / 2;
        return grid.getRGB(x, y) & 0xFFFFFF;
    }

    @Test
    void sizeWithoutCaptionsIsCellsPlusPadding() {
        BufferedImage grid = ImageGrid.of(Nd4j.zeros(5, 28 * 28), 1, 28, 28, null, 3, 2);
        assertEquals(3 * 56 + 4 * PAD, grid.getWidth());
        assertEquals(2 * 56 + 3 * PAD, grid.getHeight());
    }

    @Test
    void sizeWithCaptionsAddsACaptionBandPerRow() {
        BufferedImage grid = ImageGrid.of(Nd4j.zeros(4, 3 * 8 * 6), 3, 8, 6, List.of("a", "b", "c", "d"), 2, 3);
        assertEquals(2 * 18 + 3 * PAD, grid.getWidth());
        assertEquals(2 * (24 + ImageGrid.CAPTION_HEIGHT) + 3 * PAD, grid.getHeight());
    }

    @Test
    void fewerImagesThanColumnsMakesOneNarrowRow() {
        BufferedImage grid = ImageGrid.of(Nd4j.zeros(2, 4), 1, 2, 2, null, 8, 1);
        assertEquals(2 * 2 + 3 * PAD, grid.getWidth());
    }

    @Test
    void onesRenderWhiteAndZerosBlack() {
        INDArray images = Nd4j.vstack(Nd4j.ones(1, 16), Nd4j.zeros(1, 16));
        BufferedImage grid = ImageGrid.of(images, 1, 4, 4, null, 2, 2);
        assertEquals(0xFFFFFF, centre(grid, 0, 0, 4, 4, 2, false));
        assertEquals(0x000000, centre(grid, 0, 1, 4, 4, 2, false));
    }

    @Test
    void valuesOutsideTheUnitRangeAreClamped() {
        INDArray images = Nd4j.createFromArray(new float[][] {{7f}, {-3f}});
        BufferedImage grid = ImageGrid.of(images, 1, 1, 1, null, 2, 1);
        assertEquals(0xFFFFFF, grid.getRGB(PAD, PAD) & 0xFFFFFF);
        assertEquals(0x000000, grid.getRGB(2 * PAD + 1, PAD) & 0xFFFFFF);
    }

    @Test
    void grayLevelIsRoundedTo255Steps() {
        BufferedImage grid = ImageGrid.of(Nd4j.createFromArray(new float[][] {{0.5f}}), 1, 1, 1, null, 1, 1);
        assertEquals(0x808080, grid.getRGB(PAD, PAD) & 0xFFFFFF);
    }

    @Test
    void minMaxOverloadMapsMinusOneToOneOntoBlackToWhite() {
        INDArray images = Nd4j.createFromArray(new float[][] {{-1f}, {0f}, {1f}});
        BufferedImage grid = ImageGrid.of(images, 1, 1, 1, null, 3, 1, -1, 1);
        assertEquals(0x000000, grid.getRGB(PAD, PAD) & 0xFFFFFF);
        assertEquals(0x808080, grid.getRGB(2 * PAD + 1, PAD) & 0xFFFFFF);
        assertEquals(0xFFFFFF, grid.getRGB(3 * PAD + 2, PAD) & 0xFFFFFF);
    }

    @Test
    void rgbPlanesMapToRedGreenBlue() {
        // One 1x3 image, channel-major: R plane (1,0,0), G plane (0,1,0), B plane (0,0,1).
        INDArray image = Nd4j.createFromArray(new float[][] {{1, 0, 0, 0, 1, 0, 0, 0, 1}});
        BufferedImage grid = ImageGrid.of(image, 3, 1, 3, null, 1, 1);
        assertEquals(0xFF0000, grid.getRGB(PAD, PAD) & 0xFFFFFF);
        assertEquals(0x00FF00, grid.getRGB(PAD + 1, PAD) & 0xFFFFFF);
        assertEquals(0x0000FF, grid.getRGB(PAD + 2, PAD) & 0xFFFFFF);
    }

    @Test
    void nchwImagesAreFlattenedChannelMajor() {
        INDArray image = Nd4j.createFromArray(new float[][] {{1, 0, 0, 0, 1, 0, 0, 0, 1}}).reshape(1, 3, 1, 3);
        BufferedImage grid = ImageGrid.of(image, 3, 1, 3, null, 1, 1);
        assertEquals(0x00FF00, grid.getRGB(PAD + 1, PAD) & 0xFFFFFF);
    }

    @Test
    void nanPixelsAreMagenta() {
        BufferedImage grid = ImageGrid.of(Nd4j.createFromArray(new float[][] {{Float.NaN}}), 1, 1, 1, null, 1, 1);
        assertEquals(ImageGrid.NAN_RGB, grid.getRGB(PAD, PAD) & 0xFFFFFF);
    }

    @Test
    void eachPixelIsUpscaledToAScaleByScaleBlock() {
        INDArray image = Nd4j.createFromArray(new float[][] {{1, 0}});
        BufferedImage grid = ImageGrid.of(image, 1, 1, 2, null, 1, 3);
        for (int dy = 0; dy < 3; dy++) {
            for (int dx = 0; dx < 3; dx++) {
                assertEquals(0xFFFFFF, grid.getRGB(PAD + dx, PAD + dy) & 0xFFFFFF);
                assertEquals(0x000000, grid.getRGB(PAD + 3 + dx, PAD + dy) & 0xFFFFFF);
            }
        }
    }

    @Test
    void captionIsDrawnInTheBandUnderItsImage() {
        BufferedImage grid = ImageGrid.of(Nd4j.ones(1, 16 * 16), 1, 16, 16, List.of("shirt"), 1, 2);
        boolean dark = false;
        for (int y = PAD + 32; y < PAD + 32 + ImageGrid.CAPTION_HEIGHT; y++) {
            for (int x = PAD; x < PAD + 32; x++) {
                dark |= (grid.getRGB(x, y) & 0xFF) < 128;
            }
        }
        assertTrue(dark, "no dark caption pixels under the image");
    }

    @Test
    void rejectsRowLengthThatIsNotChannelsTimesHeightTimesWidth() {
        var e = assertThrows(IllegalArgumentException.class, () -> ImageGrid.of(Nd4j.zeros(2, 784), 1, 28, 27, null, 2, 1));
        assertEquals("images have 784 values each, but channels*height*width = 1*28*27 = 756", e.getMessage());
    }

    @Test
    void rejectsCaptionCountOtherThanImageCount() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> ImageGrid.of(Nd4j.zeros(3, 4), 1, 2, 2, List.of("a", "b"), 2, 1));
        assertEquals("got 2 captions for 3 images", e.getMessage());
    }

    @Test
    void rejectsNonPositiveColumns() {
        var e = assertThrows(IllegalArgumentException.class, () -> ImageGrid.of(Nd4j.zeros(3, 4), 1, 2, 2, null, 0, 1));
        assertEquals("columns must be > 0, got 0", e.getMessage());
    }

    @Test
    void rejectsChannelsOtherThanOneOrThree() {
        var e = assertThrows(IllegalArgumentException.class, () -> ImageGrid.of(Nd4j.zeros(3, 8), 2, 2, 2, null, 1, 1));
        assertEquals("channels must be 1 (grayscale) or 3 (RGB), got 2", e.getMessage());
    }

    @Test
    void rejectsEmptyRange() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> ImageGrid.of(Nd4j.zeros(1, 4), 1, 2, 2, null, 1, 1, 1, 1));
        assertEquals("min must be below max, got min 1.0, max 1.0", e.getMessage());
    }

    @Test
    void rejectsAVector() {
        var e = assertThrows(IllegalArgumentException.class, () -> ImageGrid.of(Nd4j.zeros(4), 1, 2, 2, null, 1, 1));
        assertEquals("images must have shape [n, channels*height*width] with n > 0, got [4]", e.getMessage());
    }
}
