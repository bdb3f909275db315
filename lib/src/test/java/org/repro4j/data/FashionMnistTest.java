package org.repro4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** Reads the real files of Debian's dataset-fashion-mnist, which `make test` installs. */
class FashionMnistTest {

    @Test
    void debianFilesHoldTheFullBalancedDataset() {
        assumeTrue(Files.isDirectory(FashionMnist.DEBIAN_DIR), "dataset-fashion-mnist is not installed");
        var train = FashionMnist.load(FashionMnist.DEBIAN_DIR, "train");
        var test = FashionMnist.load(FashionMnist.DEBIAN_DIR, "t10k");
        assertEquals(60_000, train.size());
        assertEquals(10_000, test.size());
        int[] perClass = new int[10];
        for (int y : train.labels()) {
            perClass[y]++;
        }
        for (int count : perClass) {
            assertEquals(6_000, count);
        }
        assertEquals(784, train.features().columns());
        assertEquals(1.0, train.features().maxNumber().doubleValue(), 0);
        assertEquals(0.0, train.features().minNumber().doubleValue(), 0);
    }
}
