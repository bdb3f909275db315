package org.repro4j.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.GraphicsEnvironment;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.Table;

class ShowTest extends HeadlessTest {

    @TempDir
    Path dir;

    private static XYChart chart() {
        Table t = Table.create("curve", DoubleColumn.create("step", 1, 2, 3), DoubleColumn.create("loss", 3, 2, 1));
        return Plots.line(t, "step", "loss", null);
    }

    private List<String> filesInDir() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void rendersWithoutADisplay() {
        assertTrue(GraphicsEnvironment.isHeadless());
        assertNotNull(Show.png(chart()));
    }

    @Test
    void pngHasTheChartsSize() {
        XYChart chart = chart();
        BufferedImage image = Show.png(chart);
        assertEquals(640, image.getWidth());
        assertEquals(400, image.getHeight());
    }

    @Test
    void saveWritesAReadablePng() throws IOException {
        Path file = Show.save(chart(), dir.resolve("loss.png"));
        BufferedImage image = ImageIO.read(file.toFile());
        assertEquals(640, image.getWidth());
        assertEquals(400, image.getHeight());
    }

    @Test
    void saveWritesSvgForSvgExtension() throws IOException {
        String svg = Files.readString(Show.save(chart(), dir.resolve("loss.SVG")));
        assertTrue(svg.startsWith("<?xml") || svg.startsWith("<svg"), svg.substring(0, 40));
    }

    @Test
    void saveLeavesOnlyTheTargetFile() throws IOException {
        Show.save(chart(), dir.resolve("loss.png"));
        Show.save(chart(), dir.resolve("loss.png"));
        assertEquals(List.of("loss.png"), filesInDir());
    }

    @Test
    void saveCreatesMissingParentFolders() throws IOException {
        Path file = dir.resolve("results/abc123/loss.png");
        Show.save(chart(), file);
        assertTrue(Files.isRegularFile(file));
    }

    @Test
    void saveRejectsUnknownExtensionAndWritesNothing() throws IOException {
        var e = assertThrows(IllegalArgumentException.class, () -> Show.save(chart(), dir.resolve("loss.jpg")));
        assertEquals("cannot save to '" + dir.resolve("loss.jpg") + "': unknown extension 'jpg', expected .png or .svg",
                e.getMessage());
        assertEquals(List.of(), filesInDir());
    }

    @Test
    void saveImageWritesAPng() throws IOException {
        BufferedImage image = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
        image.setRGB(1, 1, 0xFF0000);
        BufferedImage read = ImageIO.read(Show.save(image, dir.resolve("grid.png")).toFile());
        assertEquals(0xFF0000, read.getRGB(1, 1) & 0xFFFFFF);
    }

    @Test
    void saveImageRejectsSvg() {
        BufferedImage image = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        assertThrows(IllegalArgumentException.class, () -> Show.save(image, dir.resolve("grid.svg")));
    }
}
