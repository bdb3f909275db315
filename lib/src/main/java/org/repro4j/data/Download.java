package org.repro4j.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Verified downloads: a file is fetched from the first mirror that serves it, its SHA-256 is
 * checked while it streams to a temporary file beside the target, and only a file whose checksum
 * matches is renamed into place ({@link AtomicFiles}). An interrupted or corrupt download never sits
 * at the final path.
 */
public final class Download {

    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NORMAL)
            .connectTimeout(Duration.ofSeconds(30))
            .build();

    private Download() {
    }

    /**
     * Returns {@code target} if it exists with the expected checksum; otherwise downloads it from
     * {@code mirrors} in order.
     *
     * @param sha256 the expected SHA-256, 64 hex digits
     * @throws IOException naming every mirror tried and why it failed (HTTP status, checksum
     *                     expected and found, network error)
     */
    public static Path fetch(List<URI> mirrors, Path target, String sha256) throws IOException {
        if (Files.isRegularFile(target) && sha256(target).equalsIgnoreCase(sha256)) {
            return target;
        }
        List<String> failures = new ArrayList<>();
        for (URI url : mirrors) {
            try {
                return AtomicFiles.write(target, out -> {
                    HttpResponse<InputStream> response = get(url);
                    try (InputStream body = response.body()) {
                        if (response.statusCode() != 200) {
                            throw new IOException("HTTP status " + response.statusCode() + ", expected 200");
                        }
                        MessageDigest digest = newSha256();
                        body.transferTo(new DigestOutputStream(out, digest));
                        String actual = HexFormat.of().formatHex(digest.digest());
                        if (!actual.equalsIgnoreCase(sha256)) {
                            throw new IOException("SHA-256 expected " + sha256 + ", found " + actual);
                        }
                    }
                });
            } catch (InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                failures.add(url + ": " + e.getMessage());
            }
        }
        throw new IOException("could not download " + target.getFileName() + "; " + String.join("; ", failures));
    }

    /** The SHA-256 of a file, as 64 lower-case hex digits. */
    public static String sha256(Path file) throws IOException {
        MessageDigest digest = newSha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static HttpResponse<InputStream> get(URI url) throws IOException {
        try {
            return CLIENT.send(HttpRequest.newBuilder(url).timeout(Duration.ofMinutes(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("download of " + url + " interrupted");
        }
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
