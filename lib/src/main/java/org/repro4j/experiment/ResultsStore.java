package org.repro4j.experiment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Supplier;
import org.repro4j.data.AtomicFiles;
import org.repro4j.data.DataRoot;
import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.Table;
import tech.tablesaw.io.csv.CsvReadOptions;

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

    /**
     * A result table of the run of {@code hparams} that takes long to compute but is not a trained
     * network (a sampler evaluation, say): read from {@code <folder>/<name>.csv} when it is there, else
     * computed by {@code compute}, written atomically and returned. Delete the file to compute it again.
     *
     * @param types the column types of the table, in order, to read it back exactly as computed
     * @throws IllegalStateException if the computed table's column types are not {@code types}
     */
    public Table table(Hparams hparams, String name, ColumnType[] types, Supplier<Table> compute) {
        if (!name.matches("[A-Za-z0-9_-]+")) {
            throw new IllegalArgumentException("name: expected letters, digits, '-' or '_', got '" + name + "'");
        }
        Path file = folder(hparams).resolve(name + ".csv");
        try {
            if (Files.isRegularFile(file)) {
                return Table.read().usingOptions(CsvReadOptions.builder(file.toFile()).tableName(name).columnTypes(types));
            }
            Table table = compute.get();
            if (!Arrays.equals(table.typeArray(), types)) {
                throw new IllegalStateException(name + ": computed columns of types " + Arrays.toString(table.typeArray())
                        + ", expected " + Arrays.toString(types));
            }
            AtomicFiles.write(file, o -> table.write().csv(o));
            return table;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
