package dev.tffashion.fashionmnist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetLocatorTest {

    @TempDir
    Path dir;

    private HttpServer server;
    private final Map<String, byte[]> served = new HashMap<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void usesTheConfiguredFolderFirstAndReportsChecksums() throws IOException {
        Path configured = dir.resolve("configured");
        Map<DatasetFile, String> md5s = TestData.writeGzipped(configured, TestData.contents());
        TestData.writeGzipped(dir.resolve("system"), TestData.contents());
        DatasetLocator.Builder builder = isolated().folder(configured).systemFolder(dir.resolve("system"));
        md5s.forEach(builder::expectedMd5);

        DatasetFiles files = builder.build().locate();

        assertEquals(configured, files.folder());
        assertTrue(files.source().startsWith("configured folder"), files.source());
        assertEquals(md5s.get(DatasetFile.TEST_LABELS), files.checksums().get("t10k-labels-idx1-ubyte"));
        assertEquals(4, files.checksums().size());
    }

    @Test
    void fallsThroughToTheNextFolderWhenTheConfiguredOneIsIncomplete() throws IOException {
        Path configured = dir.resolve("configured");
        TestData.writeGzipped(configured, TestData.contents());
        Files.delete(configured.resolve(DatasetFile.TEST_LABELS.gzFileName()));
        Path keras = dir.resolve("keras");
        DatasetLocator.Builder builder = isolated().folder(configured).kerasFolder(keras);
        TestData.writeGzipped(keras, TestData.contents()).forEach(builder::expectedMd5);

        assertEquals("Keras cache", builder.build().locate().source());
    }

    @Test
    void acceptsUncompressedFiles() throws IOException {
        Files.createDirectories(dir.resolve("raw"));
        DatasetLocator.Builder builder = isolated().folder(dir.resolve("raw"));
        for (Map.Entry<DatasetFile, byte[]> entry : TestData.contents().entrySet()) {
            Path file = Files.write(dir.resolve("raw").resolve(entry.getKey().fileName()), entry.getValue());
            builder.expectedMd5(entry.getKey(), Checksums.uncompressedMd5(file));
        }
        assertEquals(dir.resolve("raw"), builder.build().locate().folder());
    }

    @Test
    void missingDataFailsWithInstructions() {
        DatasetLocator locator = isolated().folder(dir.resolve("nothing")).settingPrefix("learn.dataset").build();

        DatasetUnavailableException e = assertThrows(DatasetUnavailableException.class, locator::locate);

        String message = e.getMessage();
        assertTrue(message.contains("sudo apt-get install dataset-fashion-mnist"), message);
        assertTrue(message.contains("set learn.dataset.folder to it"), message);
        assertTrue(message.contains("configured folder (learn.dataset.folder) " + dir.resolve("nothing") + ": no such folder"), message);
        assertTrue(message.contains("download: off (learn.dataset.download=false)"), message);
    }

    @Test
    void checksumMismatchFailsAndNamesTheFile() throws IOException {
        Path folder = dir.resolve("folder");
        TestData.writeGzipped(folder, TestData.contents());
        DatasetLocator locator = isolated().folder(folder).build();

        DatasetUnavailableException e = assertThrows(DatasetUnavailableException.class, locator::locate);

        assertTrue(e.getMessage().contains("train-images-idx3-ubyte.gz has MD5 "), e.getMessage());
        assertTrue(e.getMessage().contains("expected f4a8712d7a061bf5bd6d2ca38dc4d50a"), e.getMessage());
    }

    @Test
    void downloadsIntoTheCacheAndReusesIt() throws IOException {
        Map<DatasetFile, byte[]> contents = TestData.contents();
        DatasetLocator.Builder builder = isolated().download(true).baseUrl(startServer());
        for (Map.Entry<DatasetFile, byte[]> entry : contents.entrySet()) {
            served.put("/data/" + entry.getKey().gzFileName(), TestData.gzip(entry.getValue()));
            builder.expectedMd5(entry.getKey(), md5Of(entry.getValue()));
        }
        DatasetLocator locator = builder.build();

        DatasetFiles files = locator.locate();

        assertEquals(dir.resolve("cache"), files.folder());
        assertTrue(files.source().startsWith("downloaded from http://127.0.0.1:"), files.source());
        assertEquals(4, requests.size());
        assertEquals(TestData.TEST, FashionMnist.load(files).test().count());
        try (Stream<Path> cached = Files.list(dir.resolve("cache"))) {
            assertEquals(4, cached.count(), "no partial files left behind");
        }

        assertEquals("download cache", locator.locate().source());
        assertEquals(4, requests.size(), "the second lookup must not download again");
    }

    @Test
    void downloadWithTheWrongChecksumLeavesNothingBehind() throws IOException {
        DatasetLocator.Builder builder = isolated().download(true).baseUrl(startServer());
        for (Map.Entry<DatasetFile, byte[]> entry : TestData.contents().entrySet()) {
            served.put("/data/" + entry.getKey().gzFileName(), TestData.gzip(entry.getValue()));
        }

        DatasetUnavailableException e = assertThrows(DatasetUnavailableException.class, builder.build()::locate);

        assertTrue(e.getMessage().contains("train-images-idx3-ubyte.gz has MD5"), e.getMessage());
        assertTrue(e.getMessage().contains("sudo apt-get install dataset-fashion-mnist"), e.getMessage());
        try (Stream<Path> cached = Files.list(dir.resolve("cache"))) {
            assertEquals(0, cached.count());
        }
    }

    @Test
    void downloadErrorStatusIsReported() throws IOException {
        DatasetLocator locator = isolated().download(true).baseUrl(startServer()).build();

        DatasetUnavailableException e = assertThrows(DatasetUnavailableException.class, locator::locate);

        assertTrue(e.getMessage().contains("train-images-idx3-ubyte.gz answered HTTP 404"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("cache").resolve("train-images-idx3-ubyte.gz")));
    }

    private URI startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            requests.add(exchange.getRequestURI().getPath());
            byte[] body = served.get(exchange.getRequestURI().getPath());
            if (body == null) {
                exchange.sendResponseHeaders(404, -1);
            } else {
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
            exchange.close();
        });
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/data");
    }

    private String md5Of(byte[] content) throws IOException {
        Path file = Files.write(Files.createTempFile(dir, "md5", ""), content);
        return Checksums.uncompressedMd5(file);
    }

    private DatasetLocator.Builder isolated() {
        return DatasetLocator.builder()
            .systemFolder(null)
            .kerasFolder(null)
            .cacheFolder(dir.resolve("cache"))
            .download(false);
    }
}
