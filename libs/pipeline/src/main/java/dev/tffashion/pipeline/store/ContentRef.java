package dev.tffashion.pipeline.store;

import dev.tffashion.pipeline.AnnotatedValue;

/** Where a piece of content lives ({@code data:} URI inline or {@code store:sha256:<hex>}), with its media type, size and hash. */
public record ContentRef(String uri, String mediaType, long size, String sha256) implements AnnotatedValue.ContentRefLike {

    /** The content reference of an annotated value. */
    public static ContentRef of(AnnotatedValue value) {
        return new ContentRef(value.data(), value.mediaType(), value.size(), value.sha256());
    }
}
