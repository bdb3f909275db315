package org.repro4j.viz;

/**
 * Base of tests that render with AWT: forces headless mode before any AWT class loads, as the
 * notebook kernel does, so the tests pass with or without a display.
 */
abstract class HeadlessTest {
    static {
        System.setProperty("java.awt.headless", "true");
    }
}
