package org.repro4j.experiment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.repro4j.data.AtomicFiles;
import org.repro4j.data.DataRoot;

/**
 * Where runs keep their results: {@code <root>/<experiment>/<hash>/} for each hyperparameter record
 * (see {@link Hparams}), holding {@code hparams.json}, {@code metrics.csv}, the latest
 * {@code checkpoint.zip} while training and {@code model.zip} once finished. To force a rerun,
 * delete the run's folder.
 */
public final class ResultsStore {

    private final Path root;

    /** A store under {@code root}. */
    public ResultsStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** The store under {@code <data root>/results}. */
    public static ResultsStore standard() {
        return new ResultsStore(DataRoot.path().resolve("results"));
    }

    /** The store's root folder. */
    public Path root() {
        return root;
    }

    /**
     * The folder of the run of {@code hparams}, created if missing with its {@code hparams.json}
     * (every field, defaults included). An existing folder whose {@code hparams.json} says otherwise
     * is refused, naming both records.
     */
    public Path folder(Hparams hparams) {
        Path dir = root.resolve(hparams.experiment()).resolve(hparams.hash());
        Path file = dir.resolve("hparams.json");
        try {
            if (Files.isRegularFile(file)) {
                String stored = Files.readString(file).strip();
                if (!stored.equals(hparams.json())) {
                    throw new IllegalStateException(file + ": holds " + stored + ", expected " + hparams.json()
                            + " (a hash collision, or the record's defaults changed: move the folder away)");
                }
            } else {
                AtomicFiles.writeString(file, hparams.json() + "\n");
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
