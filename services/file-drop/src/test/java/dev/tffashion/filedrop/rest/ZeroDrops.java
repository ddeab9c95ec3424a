package dev.tffashion.filedrop.rest;

import static io.restassured.RestAssured.given;

import java.util.function.IntPredicate;

/** Drops of zeros, repeated until the answer changes: for tests of the upload memory, whose room is given back asynchronously. */
final class ZeroDrops {

    private ZeroDrops() {
    }

    /**
     * Drops {@code size} bytes of zeros on /imageInput every 100 ms, for at most 10 s, until {@code until} holds for the answer's
     * status; returns the last status (zeros are not a picture: 415 once they get past the memory's 503).
     */
    static int dropUntil(int size, IntPredicate until) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        int status = given().contentType("application/octet-stream").body(new byte[size]).post("/imageInput").statusCode();
        while (!until.test(status) && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
            status = given().contentType("application/octet-stream").body(new byte[size]).post("/imageInput").statusCode();
        }
        return status;
    }
}
