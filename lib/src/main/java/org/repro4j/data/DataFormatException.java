package org.repro4j.data;

import java.io.IOException;

/** A data file that is not what its format promises; the message names the file, what was expected and what was found. */
public class DataFormatException extends IOException {

    public DataFormatException(String message) {
        super(message);
    }
}
