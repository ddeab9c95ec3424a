package dev.tffashion.pipeline.store.s3;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.jboss.logging.Logger;

import dev.tffashion.pipeline.store.ContentRef;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.pipeline.store.ContentStoreException;
import dev.tffashion.pipeline.store.ContentStoreFullException;
import dev.tffashion.pipeline.store.Hashing;
import dev.tffashion.pipeline.store.VerifyingInputStream;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.MetadataDirective;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The content store on an S3-compatible bucket (AWS S3, MinIO, Ceph RGW): the same content-addressed layout as the folder
 * store ({@code <prefix>sha256/<2 hex>/<64 hex>}), so a folder store copied into a bucket with {@code aws s3 sync} or
 * {@code mc mirror} is a valid bucket store. A blob is spooled to a local temporary file while its SHA-256 is computed, then
 * uploaded under that name with the SHA-256 as the S3 checksum (the server refuses bytes that do not match it), and only when
 * no object has the name yet ({@code If-None-Match: *}): puts are idempotent and an upload that fails leaves no object.
 * Every read is verified against the name ({@link VerifyingInputStream}). A put of bytes already stored renews the object's
 * age once it is older than {@link S3Settings#refreshAfter()}, so that a lifecycle rule expiring old objects never removes a
 * blob that a recent value references (docs/content-store.md, "Retention").
 */
public final class S3ContentStore implements ContentStore, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(S3ContentStore.class);

    /** S3 error codes of a store out of room besides HTTP 507 (see {@link #isFull}). */
    private static final Set<String> FULL_CODES = Set.of("XMinioStorageFull", "QuotaExceeded", "XMinioAdminBucketQuotaExceeded");

    private final S3Client s3;
    private final boolean ownsClient;
    private final S3Settings settings;

    private S3ContentStore(S3Client s3, boolean ownsClient, S3Settings settings) {
        this.s3 = s3;
        this.ownsClient = ownsClient;
        this.settings = settings;
    }

    /**
     * Connects to the bucket of the settings and checks that it is there (creating it when the settings say so).
     *
     * @throws ContentStoreException when the bucket is missing or cannot be reached, saying which setting to check
     */
    public static S3ContentStore connect(S3Settings settings) {
        S3Client client = client(settings);
        S3ContentStore store = new S3ContentStore(client, true, settings);
        try {
            store.checkBucket();
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
        return store;
    }

    /** A store over a client the caller owns and closes (the bucket is not checked). */
    public static S3ContentStore over(S3Client client, S3Settings settings) {
        return new S3ContentStore(client, false, settings);
    }

    /** The S3 client the settings describe: the JDK's HTTP client, checksums only where S3 requires them (we send SHA-256). */
    public static S3Client client(S3Settings settings) {
        S3ClientBuilder builder = S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .region(Region.of(settings.region()))
                .forcePathStyle(settings.pathStyle())
                .credentialsProvider(credentials(settings))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        settings.endpoint().ifPresent(builder::endpointOverride);
        return builder.build();
    }

    private static AwsCredentialsProvider credentials(S3Settings settings) {
        if (settings.accessKeyId().isPresent()) {
            return StaticCredentialsProvider.create(AwsBasicCredentials.create(settings.accessKeyId().get(),
                    settings.secretAccessKey().orElseThrow()));
        }
        return DefaultCredentialsProvider.builder().build();
    }

    private void checkBucket() {
        try {
            s3.headBucket(b -> b.bucket(settings.bucket()));
        } catch (NoSuchBucketException e) {
            createOrRefuse(e);
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                createOrRefuse(e);
                return;
            }
            throw new ContentStoreException("cannot use the content store bucket " + settings.location() + " (HTTP " + e.statusCode()
                    + "): check tf-fashion.store.s3.* and the credentials (tf-fashion.store.s3.access-key-id, or AWS_ACCESS_KEY_ID"
                    + " and AWS_SECRET_ACCESS_KEY)", e);
        } catch (SdkException e) {
            throw new ContentStoreException("cannot reach the content store bucket " + settings.location() + " at "
                    + settings.endpoint().map(Object::toString).orElse("AWS S3") + ": " + e.getMessage()
                    + "; check tf-fashion.store.s3.endpoint and .region, and that the server runs", e);
        }
    }

    private void createOrRefuse(S3Exception missing) {
        if (!settings.createBucket()) {
            throw new ContentStoreException("the content store bucket '" + settings.bucket() + "' does not exist: create it, or set"
                    + " tf-fashion.store.s3.create-bucket=true", missing);
        }
        try {
            s3.createBucket(b -> b.bucket(settings.bucket()));
            LOG.infof("created the content store bucket %s", settings.bucket());
        } catch (S3Exception e) {
            if (e.statusCode() != 409) { // 409: another replica created it first
                throw new ContentStoreException("cannot create the content store bucket '" + settings.bucket() + "': "
                        + e.getMessage(), e);
            }
        }
    }

    @Override
    public ContentRef put(InputStream content, String mediaType) {
        Path temp = null;
        try {
            Files.createDirectories(settings.tempDir());
            temp = Files.createTempFile(settings.tempDir(), "tf-fashion-blob-", ".part");
            MessageDigest digest = Hashing.sha256();
            long size = 0;
            try (OutputStream out = Files.newOutputStream(temp)) {
                byte[] buffer = new byte[64 * 1024];
                int n;
                while ((n = content.read(buffer)) >= 0) {
                    digest.update(buffer, 0, n);
                    out.write(buffer, 0, n);
                    size += n;
                }
            }
            byte[] hash = digest.digest();
            String hex = HexFormat.of().formatHex(hash);
            String key = key(hex);
            Optional<Instant> stored = lastModified(key);
            if (stored.isEmpty()) {
                upload(key, hash, temp);
            } else if (stored.get().isBefore(Instant.now().minus(settings.refreshAfter()))) {
                renew(key);
            }
            return new ContentRef(URI_PREFIX + hex, mediaType, size, hex);
        } catch (IOException e) {
            if (ContentStoreFullException.isNoSpace(e)) {
                throw new ContentStoreFullException("no room to spool content for " + settings.location() + " in "
                        + settings.tempDir() + " (" + e.getMessage() + "): free space there, or point the spool folder at a larger one", e);
            }
            throw new ContentStoreException("cannot spool content for " + settings.location() + " in " + settings.tempDir() + ": "
                    + e.getMessage() + "; check that the folder is writable and has room", e);
        } finally {
            deleteQuietly(temp);
        }
    }

    private void upload(String key, byte[] hash, Path file) {
        try {
            // The media type belongs to each reference, not to the bytes: the object is plain octets.
            s3.putObject(b -> b.bucket(settings.bucket()).key(key).ifNoneMatch("*").contentType("application/octet-stream")
                    .checksumSHA256(Base64.getEncoder().encodeToString(hash)), RequestBody.fromFile(file));
        } catch (S3Exception e) {
            if (e.statusCode() == 412) {
                return; // written meanwhile by another put of the same bytes: the name is the content
            }
            if (e.statusCode() == 409 && exists(key)) {
                return; // a concurrent conditional put of the same bytes won
            }
            if (isFull(e)) {
                throw noRoom(e);
            }
            throw new ContentStoreException("cannot write " + settings.location() + key.substring(settings.prefix().length()) + " (HTTP "
                    + e.statusCode() + "): " + e.getMessage(), e);
        } catch (SdkException e) {
            throw new ContentStoreException("cannot write to the content store at " + settings.location() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Whether the object store refused a write for want of room: {@code 507 Insufficient Storage} (MinIO answers it with
     * {@code XMinioStorageFull} when its drives are full), or a quota error code (Ceph RGW's {@code QuotaExceeded}, MinIO's
     * bucket quota {@code XMinioAdminBucketQuotaExceeded}).
     */
    static boolean isFull(S3Exception e) {
        return e.statusCode() == 507 || FULL_CODES.contains(errorCode(e));
    }

    private ContentStoreFullException noRoom(S3Exception e) {
        return new ContentStoreFullException("the content store bucket " + settings.location() + " has no room (HTTP " + e.statusCode()
                + " " + errorCode(e) + "): free space on the object store or raise the bucket's quota", e);
    }

    private static String errorCode(S3Exception e) {
        return e.awsErrorDetails() == null || e.awsErrorDetails().errorCode() == null ? "" : e.awsErrorDetails().errorCode();
    }

    /**
     * Renews an object's Last-Modified (the age a lifecycle expiration rule counts from) by copying it onto itself: a value
     * written now references it, so it must outlive the topics' retention from now on.
     */
    private void renew(String key) {
        try {
            s3.copyObject(b -> b.sourceBucket(settings.bucket()).sourceKey(key).destinationBucket(settings.bucket())
                    .destinationKey(key).metadataDirective(MetadataDirective.REPLACE).contentType("application/octet-stream")
                    // a copy onto itself must change something: S3 refuses one that changes nothing
                    .metadata(Map.of("renewed-at", Instant.now().toString())));
        } catch (S3Exception e) {
            if (isFull(e)) {
                throw noRoom(e);
            }
            throw new ContentStoreException("cannot renew the age of " + settings.location() + key.substring(settings.prefix().length())
                    + " (HTTP " + e.statusCode() + "): " + e.getMessage(), e);
        } catch (SdkException e) {
            throw new ContentStoreException("cannot renew the age of " + settings.location() + key.substring(settings.prefix().length())
                    + ": " + e.getMessage(), e);
        }
    }

    @Override
    public InputStream open(String sha256) {
        String key = key(Hashing.requireSha256Hex(sha256));
        try {
            return new VerifyingInputStream(s3.getObject(b -> b.bucket(settings.bucket()).key(key)), sha256,
                    "s3://" + settings.bucket() + "/" + key);
        } catch (NoSuchKeyException e) {
            throw notInStore(sha256, e);
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw notInStore(sha256, e);
            }
            throw new ContentStoreException("cannot read content sha256:" + sha256 + " from " + settings.location() + " (HTTP "
                    + e.statusCode() + "): " + e.getMessage(), e);
        } catch (SdkException e) {
            throw new ContentStoreException("cannot read content sha256:" + sha256 + " from " + settings.location() + ": "
                    + e.getMessage(), e);
        }
    }

    private ContentStoreException notInStore(String sha256, Exception cause) {
        return new ContentStoreException("content sha256:" + sha256 + " is not in the store at " + settings.location()
                + ": the services must share one bucket and prefix (tf-fashion.store.s3.bucket, tf-fashion.store.s3.prefix)", cause);
    }

    @Override
    public boolean contains(String sha256) {
        return exists(key(Hashing.requireSha256Hex(sha256)));
    }

    private boolean exists(String key) {
        return lastModified(key).isPresent();
    }

    /** The object's Last-Modified, or empty when there is no such object. */
    private Optional<Instant> lastModified(String key) {
        try {
            return Optional.of(s3.headObject(b -> b.bucket(settings.bucket()).key(key)).lastModified());
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw new ContentStoreException("cannot look up " + key + " in " + settings.location() + " (HTTP " + e.statusCode() + "): "
                    + e.getMessage(), e);
        } catch (SdkException e) {
            throw new ContentStoreException("cannot look up " + key + " in " + settings.location() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String location() {
        return settings.location();
    }

    /** The object key of a blob: {@code <prefix>sha256/<2 hex>/<64 hex>}, the folder store's layout. */
    public String key(String hex) {
        return settings.prefix() + "sha256/" + hex.substring(0, 2) + "/" + hex;
    }

    /** The bucket. */
    public String bucket() {
        return settings.bucket();
    }

    @Override
    public void close() {
        if (ownsClient) {
            s3.close();
        }
    }

    private static void deleteQuietly(Path path) {
        if (path == null) {
            return;
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.debugf("cannot delete the spool file %s: %s", path, e.getMessage());
        }
    }
}
