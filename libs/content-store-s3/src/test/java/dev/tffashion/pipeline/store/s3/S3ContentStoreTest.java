package dev.tffashion.pipeline.store.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tffashion.pipeline.store.ContentRef;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.pipeline.store.ContentStoreException;
import dev.tffashion.pipeline.store.ContentStoreFullException;
import dev.tffashion.pipeline.store.ContentStoreTest;
import dev.tffashion.pipeline.store.Contents;
import dev.tffashion.pipeline.store.Hashing;
import com.sun.net.httpserver.HttpServer;

import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The S3 backend passes the content store contract of libs/pipeline (ContentStoreTest) against S3Mock, a real S3 API server
 * run as its own process; plus what is particular to a bucket: key layout, a missing bucket, a bad endpoint, bad settings.
 */
class S3ContentStoreTest extends ContentStoreTest {

    private static final AtomicInteger BUCKETS = new AtomicInteger();
    private static Path serverRoot;
    private static S3MockServer server;

    private final List<S3ContentStore> stores = new ArrayList<>();

    @BeforeAll
    static void startS3Mock() throws Exception {
        serverRoot = Files.createTempDirectory("s3mock-");
        server = S3MockServer.start(serverRoot);
    }

    @AfterAll
    static void stopS3Mock() throws Exception {
        if (server != null) {
            server.close();
        }
        deleteTree(serverRoot);
    }

    @AfterEach
    void closeStores() {
        stores.forEach(S3ContentStore::close);
    }

    private S3Settings settings(String bucket) {
        return S3Settings.of(bucket, server.endpoint()).withCredentials("tf-fashion", "not-checked-by-s3mock");
    }

    private S3ContentStore connect(S3Settings settings) {
        S3ContentStore store = S3ContentStore.connect(settings);
        stores.add(store);
        return store;
    }

    @Override
    protected ContentStore newStore() {
        // renew on every put of stored bytes, so the contract test sees it without waiting a day
        return connect(settings("contract-" + BUCKETS.incrementAndGet()).creatingBucket().withPrefix("tf-fashion")
                .refreshingAfter(Duration.ZERO));
    }

    @Override
    protected Instant blobModified(ContentStore store, String sha256) {
        S3ContentStore s3Store = (S3ContentStore) store;
        try (S3Client client = S3ContentStore.client(settings(s3Store.bucket()))) {
            return client.headObject(b -> b.bucket(s3Store.bucket()).key(s3Store.key(sha256))).lastModified();
        }
    }

    @Test
    void aRecentObjectIsNotCopiedAgainOnEveryPut() throws InterruptedException {
        S3ContentStore store = connect(settings("recent-" + BUCKETS.incrementAndGet()).creatingBucket());
        assertEquals(S3Settings.DEFAULT_REFRESH_AFTER, S3Settings.of("b", server.endpoint()).refreshAfter());
        byte[] bytes = randomBytes(70_000);
        ContentRef ref = store.put(bytes, "x/y");
        Instant first = blobModified(store, ref.sha256());
        Thread.sleep(1_100);
        store.put(bytes, "x/y");
        assertEquals(first, blobModified(store, ref.sha256()), "younger than refresh-after (1 day): left as it is");
    }

    @Override
    protected void overwriteBlob(ContentStore store, String sha256, byte[] bytes) {
        S3ContentStore s3Store = (S3ContentStore) store;
        try (S3Client client = S3ContentStore.client(settings(s3Store.bucket()))) {
            client.putObject(b -> b.bucket(s3Store.bucket()).key(s3Store.key(sha256)), RequestBody.fromBytes(bytes));
        }
    }

    @Test
    void blobsUseTheFolderStoreLayoutUnderThePrefix() {
        S3ContentStore store = (S3ContentStore) newStore();
        byte[] bytes = randomBytes(80_000);
        ContentRef ref = store.put(bytes, "image/png");
        String key = "tf-fashion/sha256/" + ref.sha256().substring(0, 2) + "/" + ref.sha256();
        assertEquals(key, store.key(ref.sha256()));
        try (S3Client client = S3ContentStore.client(settings(store.bucket()));
                InputStream in = client.getObject(b -> b.bucket(store.bucket()).key(key))) {
            assertArrayEquals(bytes, in.readAllBytes());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        assertEquals("s3://" + store.bucket() + "/tf-fashion/", store.location());
    }

    @Test
    void noSpoolFileStaysBehind() throws IOException {
        Path spool = Files.createDirectories(root.resolve("spool"));
        S3Settings base = settings("spool-" + BUCKETS.incrementAndGet()).creatingBucket();
        S3ContentStore store = connect(new S3Settings(base.bucket(), "", base.endpoint(), base.region(), true, base.accessKeyId(),
                base.secretAccessKey(), true, spool, null));
        ContentRef ref = store.put(randomBytes(100_000), "x/y");
        store.put(randomBytes(100_000), "x/y");
        assertTrue(store.contains(ref.sha256()));
        try (Stream<Path> left = Files.list(spool)) {
            assertEquals(0, left.count(), "the spool file is deleted after the upload");
        }
    }

    @Test
    void twoStoresOnOneBucketShareTheirBlobs() {
        S3Settings shared = settings("shared-" + BUCKETS.incrementAndGet()).creatingBucket();
        S3ContentStore writer = connect(shared);
        S3ContentStore reader = connect(shared);
        byte[] bytes = randomBytes(90_000);
        ContentRef ref = Contents.store(writer, bytes, "image/png");
        assertArrayEquals(bytes, Contents.read(reader, ref), "a replica on another node reads what this one stored");
        S3ContentStore otherPrefix = connect(shared.withPrefix("other/"));
        assertFalse(otherPrefix.contains(ref.sha256()));
        ContentStoreException e = assertThrows(ContentStoreException.class, () -> Contents.read(otherPrefix, ref));
        assertTrue(e.getMessage().contains("tf-fashion.store.s3.bucket"), e.getMessage());
    }

    @Test
    void aMissingBucketIsAnErrorUnlessItMayBeCreated() {
        ContentStoreException e = assertThrows(ContentStoreException.class, () -> connect(settings("missing-" + BUCKETS.get())));
        assertTrue(e.getMessage().contains("does not exist") && e.getMessage().contains("tf-fashion.store.s3.create-bucket"),
                e.getMessage());
        S3Settings creating = settings("created-" + BUCKETS.incrementAndGet()).creatingBucket();
        connect(creating);
        connect(creating); // the bucket is there now; a second replica starts as well
    }

    @Test
    void anUnreachableEndpointSaysWhatToCheck() throws IOException {
        int closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }
        S3Settings nowhere = S3Settings.of("bucket", URI.create("http://127.0.0.1:" + closed)).withCredentials("a", "b");
        ContentStoreException e = assertThrows(ContentStoreException.class, () -> connect(nowhere));
        assertTrue(e.getMessage().contains("tf-fashion.store.s3.endpoint"), e.getMessage());
    }

    /**
     * An object store out of room refuses the put with the error MinIO documents for full drives ({@code 507}, {@code
     * XMinioStorageFull}), or with a quota error code (Ceph RGW's {@code 403 QuotaExceeded}); both are a full store, which file-drop
     * answers with 507 store-full. Any other refusal stays a plain store failure. S3Mock cannot fill up, so a JDK HTTP server
     * answers in its place: 404 to the lookup of the object, the given status and error code to its upload.
     */
    @Test
    void aStoreOutOfRoomIsReportedAsFullAndOtherRefusalsAreNot() throws IOException {
        assertRefusal(507, "XMinioStorageFull", true);
        assertRefusal(403, "QuotaExceeded", true);
        assertRefusal(403, "AccessDenied", false);
    }

    private void assertRefusal(int status, String code, boolean full) throws IOException {
        HttpServer refusing = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        refusing.createContext("/", exchange -> {
            byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>refused by the test"
                    + "</Message><RequestId>1</RequestId></Error>").getBytes(StandardCharsets.UTF_8);
            exchange.getRequestBody().readAllBytes();
            boolean head = "HEAD".equals(exchange.getRequestMethod());
            exchange.getResponseHeaders().set("Content-Type", "application/xml");
            exchange.sendResponseHeaders(head ? 404 : status, head ? -1 : body.length);
            if (!head) {
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        refusing.start();
        S3Settings settings = S3Settings.of("full", URI.create("http://127.0.0.1:" + refusing.getAddress().getPort()))
                .withCredentials("a", "b");
        try (S3Client client = S3ContentStore.client(settings)) {
            S3ContentStore store = S3ContentStore.over(client, settings);
            ContentStoreException e = assertThrows(ContentStoreException.class, () -> store.put(randomBytes(1_000), "image/png"));
            assertEquals(full, e instanceof ContentStoreFullException, status + " " + code + ": " + e);
            assertTrue(e.getMessage().contains(String.valueOf(status)), e.getMessage());
        } finally {
            refusing.stop(0);
        }
    }

    @Test
    void badSettingsAreRefusedWithTheSettingToFix() {
        URI endpoint = URI.create("http://127.0.0.1:9000");
        assertMessage("tf-fashion.store.s3.bucket", () -> S3Settings.of(" ", endpoint));
        assertMessage("tf-fashion.store.s3.endpoint", () -> S3Settings.of("b", URI.create("minio:9000")));
        assertMessage("tf-fashion.store.s3.secret-access-key", () -> new S3Settings("b", "", Optional.of(endpoint), "us-east-1",
                true, Optional.of("id"), Optional.empty(), false, null, null));
        assertMessage("tf-fashion.store.s3.prefix", () -> S3Settings.of("b", endpoint).withPrefix("a/../b"));
        assertEquals("a/b/", S3Settings.of("b", endpoint).withPrefix("/a/b").prefix());
        assertFalse(S3Settings.of("b", endpoint).withCredentials("id", "s3cr3t").toString().contains("s3cr3t"),
                "the secret never shows in logs");
        assertTrue(Hashing.sha256Hex(new byte[0]).length() == 64);
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable executable) {
        ContentStoreException e = assertThrows(ContentStoreException.class, executable);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private static void deleteTree(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
