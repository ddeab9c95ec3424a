package dev.tffashion.pipeline.quarkus.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.Random;

import jakarta.inject.Inject;

import io.quarkus.arc.ClientProxy;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import dev.tffashion.kafkalocal.testing.KafkaTestResource;
import dev.tffashion.pipeline.store.ContentRef;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.pipeline.store.Contents;
import dev.tffashion.pipeline.store.s3.S3ContentStore;

/** With tf-fashion.store.kind=s3, a service's ContentStore bean is the bucket (on S3Mock, its own process). */
@QuarkusTest
@WithTestResource(value = KafkaTestResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
@WithTestResource(value = S3StoreTestResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class S3StoreBeanTest {

    @Inject
    ContentStore store;

    @Test
    void theStoreBeanWritesToAndReadsFromTheBucket() {
        assertInstanceOf(S3ContentStore.class, ClientProxy.unwrap(store));
        assertEquals("s3://" + S3StoreTestResource.BUCKET + "/tf-fashion/", store.location());
        byte[] bytes = new byte[Contents.INLINE_LIMIT + 1000];
        new Random(7).nextBytes(bytes);
        ContentRef ref = Contents.store(store, bytes, "image/png");
        assertEquals(ContentStore.URI_PREFIX + ref.sha256(), ref.uri());
        assertArrayEquals(bytes, Contents.read(store, ref));
    }
}
