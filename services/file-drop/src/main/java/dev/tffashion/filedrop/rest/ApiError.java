package dev.tffashion.filedrop.rest;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** The JSON body of every API error: what was wrong, and what to do. */
public record ApiError(String error, String hint) {

    public static Response response(int status, String error, String hint) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(new ApiError(error, hint)).build();
    }
}
