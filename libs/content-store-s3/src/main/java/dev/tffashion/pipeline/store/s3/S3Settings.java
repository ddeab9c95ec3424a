package dev.tffashion.pipeline.store.s3;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import dev.tffashion.pipeline.store.ContentStoreException;

/**
 * Where and how to reach the bucket of an {@link S3ContentStore} ({@code tf-fashion.store.s3.*}).
 *
 * @param bucket the bucket every service shares
 * @param prefix a key prefix inside the bucket (empty, or ending in {@code /} after normalization)
 * @param endpoint the S3 API's URL for MinIO, Ceph RGW and other S3-compatible servers; empty for AWS S3 itself
 * @param region the region to sign requests for ({@code us-east-1} suits MinIO)
 * @param pathStyle {@code http://host/bucket/key} instead of {@code http://bucket.host/key} (MinIO and most self-hosted servers)
 * @param accessKeyId with {@code secretAccessKey}: static credentials; both empty: the AWS default chain (environment
 *     {@code AWS_ACCESS_KEY_ID}/{@code AWS_SECRET_ACCESS_KEY}, web identity / IRSA, profile, container and instance roles)
 * @param secretAccessKey the secret of {@code accessKeyId}
 * @param createBucket create the bucket at start-up when it is missing (for a local MinIO); off: a missing bucket is an error
 * @param tempDir where a blob is spooled while its hash is computed, before it is uploaded under that hash
 * @param refreshAfter a put of bytes already stored renews the object's age (Last-Modified, which a lifecycle expiration rule
 *     counts from) once the object is older than this; null: one day (docs/content-store.md, "Retention")
 */
public record S3Settings(String bucket, String prefix, Optional<URI> endpoint, String region, boolean pathStyle,
        Optional<String> accessKeyId, Optional<String> secretAccessKey, boolean createBucket, Path tempDir, Duration refreshAfter) {

    /** How old a stored object may get before a put of the same bytes renews its age, unless set. */
    public static final Duration DEFAULT_REFRESH_AFTER = Duration.ofDays(1);

    public S3Settings {
        if (bucket == null || bucket.isBlank()) {
            throw new ContentStoreException("the S3 content store needs a bucket: set tf-fashion.store.s3.bucket"
                    + " (TF_FASHION_STORE_S3_BUCKET)");
        }
        bucket = bucket.strip();
        prefix = normalizePrefix(prefix);
        endpoint = endpoint == null ? Optional.empty() : endpoint;
        endpoint.ifPresent(S3Settings::requireHttpUrl);
        if (region == null || region.isBlank()) {
            throw new ContentStoreException("the S3 content store needs a region: set tf-fashion.store.s3.region"
                    + " (us-east-1 for MinIO)");
        }
        accessKeyId = blankToEmpty(accessKeyId);
        secretAccessKey = blankToEmpty(secretAccessKey);
        if (accessKeyId.isPresent() != secretAccessKey.isPresent()) {
            throw new ContentStoreException("set both tf-fashion.store.s3.access-key-id and tf-fashion.store.s3.secret-access-key,"
                    + " or neither to use the AWS default credentials chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, web"
                    + " identity, profile, instance role)");
        }
        tempDir = tempDir == null ? Path.of(System.getProperty("java.io.tmpdir")) : tempDir;
        refreshAfter = refreshAfter == null ? DEFAULT_REFRESH_AFTER : refreshAfter;
        if (refreshAfter.isNegative()) {
            throw new ContentStoreException("tf-fashion.store.s3.refresh-after is negative (" + refreshAfter + "): use 0 or more");
        }
    }

    /** Settings for a bucket on an S3-compatible server, with path-style URLs and the default credentials chain. */
    public static S3Settings of(String bucket, URI endpoint) {
        return new S3Settings(bucket, "", Optional.of(endpoint), "us-east-1", true, Optional.empty(), Optional.empty(), false, null, null);
    }

    /** The same settings with static credentials. */
    public S3Settings withCredentials(String accessKeyId, String secretAccessKey) {
        return new S3Settings(bucket, prefix, endpoint, region, pathStyle, Optional.of(accessKeyId), Optional.of(secretAccessKey),
                createBucket, tempDir, refreshAfter);
    }

    /** The same settings, creating the bucket when it is missing. */
    public S3Settings creatingBucket() {
        return new S3Settings(bucket, prefix, endpoint, region, pathStyle, accessKeyId, secretAccessKey, true, tempDir, refreshAfter);
    }

    /** The same settings under a key prefix. */
    public S3Settings withPrefix(String prefix) {
        return new S3Settings(bucket, prefix, endpoint, region, pathStyle, accessKeyId, secretAccessKey, createBucket, tempDir,
                refreshAfter);
    }

    /** The same settings, renewing the age of a stored object on a put of its bytes once it is older than this. */
    public S3Settings refreshingAfter(Duration age) {
        return new S3Settings(bucket, prefix, endpoint, region, pathStyle, accessKeyId, secretAccessKey, createBucket, tempDir, age);
    }

    /** {@code s3://bucket/prefix}, for messages and health. */
    public String location() {
        return "s3://" + bucket + "/" + prefix;
    }

    private static String normalizePrefix(String prefix) {
        if (prefix == null || prefix.isBlank()) {
            return "";
        }
        String p = prefix.strip();
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        if (p.isEmpty()) {
            return "";
        }
        if (p.contains("//") || p.contains("..")) {
            throw new ContentStoreException("tf-fashion.store.s3.prefix '" + prefix + "' is not a plain key prefix: use words separated"
                    + " by '/', for example 'tf-fashion/'");
        }
        return p.endsWith("/") ? p : p + "/";
    }

    private static void requireHttpUrl(URI endpoint) {
        if (!("http".equals(endpoint.getScheme()) || "https".equals(endpoint.getScheme())) || endpoint.getHost() == null) {
            throw new ContentStoreException("tf-fashion.store.s3.endpoint '" + endpoint + "' is not an http(s) URL: give the S3 API"
                    + " address, for example http://minio:9000, or leave it empty for AWS S3");
        }
    }

    private static Optional<String> blankToEmpty(Optional<String> value) {
        return value == null ? Optional.empty() : value.map(String::strip).filter(v -> !v.isEmpty());
    }

    @Override
    public String toString() {
        // never the secret
        return "S3Settings[" + location() + ", endpoint=" + endpoint.map(URI::toString).orElse("AWS") + ", region=" + region
                + ", pathStyle=" + pathStyle + ", credentials=" + (accessKeyId.isPresent() ? "static " + accessKeyId.get()
                : "default chain") + "]";
    }
}
