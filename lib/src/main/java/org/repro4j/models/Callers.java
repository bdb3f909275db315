package org.repro4j.models;

/**
 * Which DL4J method a layer's pass was called from, for the layers that skip work their caller throws away or reuse
 * what the forward pass made. DL4J's layer interface does not say who calls it; the call stack does.
 */
final class Callers {

    private static final StackWalker STACK = StackWalker.getInstance();

    private Callers() {
    }

    /** Whether {@code owner.method} is among the {@code depth} frames that called the method calling this one. */
    static boolean calledFrom(Class<?> owner, String method, int depth) {
        String name = owner.getName();
        return STACK.walk(frames -> frames.skip(2).limit(depth)
                .anyMatch(f -> f.getMethodName().equals(method) && f.getClassName().equals(name)));
    }
}
