package org.repro4j.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.Table;

class ShowAndImageGridTest {

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private final Table table = Table.create("t", DoubleColumn.create("x", 1, 2, 3), DoubleColumn.create("y", 2, 4, 8));

    @Test
    void pngHasTheChartsSize() {
        var image = Show.png(Plots.line(table, "x", "y"));
        assertEquals(Plots.WIDTH, image.getWidth());
        assertEquals(Plots.HEIGHT, image.getHeight());
    }

    @Test
    void saveWritesReadablePngAndSvgAndLeavesNoTemporaryFile(@TempDir Path dir) throws Exception {
        var chart = Plots.line(table, "x", "y");
        Path png = Show.save(chart, dir.resolve("c.png"));
        assertEquals(Plots.WIDTH, ImageIO.read(png.toFile()).getWidth());
        Path svg = Show.save(chart, dir.resolve("c.svg"));
        assertTrue(Files.readString(svg).contains("<svg"));
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count());
        }
    }

    @Test
    void saveRejectsUnknownExtensions(@TempDir Path dir) {
        var e = assertThrows(IllegalArgumentException.class, () -> Show.save(Plots.line(table, "x", "y"), dir.resolve("c.gif")));
        assertTrue(e.getMessage().endsWith("c.gif: expected a .png or .svg file name"), e.getMessage());
    }

    @Test
    void gridHasOneScaledCellPerImageWithCaptionBands() {
        var images = Nd4j.zeros(5, 4 * 3);
        var grid = ImageGrid.of(images, 1, 4, 3, List.of("a", "b", "c", "d", "e"), 2, 2);
        int cellW = 3 * 2, cellH = 4 * 2 + ImageGrid.CAPTION;
        assertEquals(ImageGrid.GAP + 2 * (cellW + ImageGrid.GAP), grid.getWidth());
        assertEquals(ImageGrid.GAP + 3 * (cellH + ImageGrid.GAP), grid.getHeight());
    }

    @Test
    void greyLevelsAndColourPlanesMapToPixels() {
        var grey = ImageGrid.of(Nd4j.createFromArray(new float[][] {{0f, 1f, 2f, -1f}}), 1, 2, 2, null, 1, 1);
        int g = ImageGrid.GAP;
        assertEquals(0x000000, grey.getRGB(g, g) & 0xFFFFFF);
        assertEquals(0xFFFFFF, grey.getRGB(g + 1, g) & 0xFFFFFF);
        assertEquals(0xFFFFFF, grey.getRGB(g, g + 1) & 0xFFFFFF);  // 2 is clamped to 1
        assertEquals(0x000000, grey.getRGB(g + 1, g + 1) & 0xFFFFFF);  // -1 is clamped to 0
        var rgb = ImageGrid.of(Nd4j.createFromArray(new float[][] {{1f, 0f, 0.5f}}), 3, 1, 1, null, 1, 1);
        assertEquals(0xFF0080, rgb.getRGB(g, g) & 0xFFFFFF);
    }

    @Test
    void badShapesAreRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> ImageGrid.of(Nd4j.zeros(2, 10), 1, 3, 3, null, 1, 1));
        assertEquals("images: expected shape [n, 9] for 1x3x3 images, got [2, 10]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ImageGrid.of(Nd4j.zeros(2, 9), 1, 3, 3, List.of("a"), 1, 1));
        assertEquals("captions: expected 2 (one per image), got 1", e.getMessage());
    }
}
