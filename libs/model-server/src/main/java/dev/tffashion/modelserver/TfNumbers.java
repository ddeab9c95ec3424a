package dev.tffashion.modelserver;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Numbers as TF Serving's C++ prints them, in one place: {@code absl::StrCat(double)} (printf {@code %.6g}, used by the
 * Prometheus page) and {@code json_tensor.cc}'s {@code WriteDecimal} for float and double tensor values in REST answers
 * ({@code %.6g}, or {@code %.9g} / {@code %.17g} when six digits do not parse back to the same value, {@code .0} added to
 * whole numbers written without an exponent, {@code NaN}, {@code Infinity}, {@code -Infinity}).
 */
final class TfNumbers {

    private static final int FLOAT_MAX_DIGITS10 = 9;
    private static final int DOUBLE_MAX_DIGITS10 = 17;

    private TfNumbers() {
    }

    /** {@code absl::StrCat(value)}: printf's {@code %.6g}. */
    static String sixDigits(double value) {
        return g(value, 6);
    }

    /** A float tensor value as TF Serving's REST API writes it ({@code WriteDecimal<float>}). */
    static String jsonFloat(float value) {
        if (!Float.isFinite(value)) {
            return nonFinite(value);
        }
        String text = sixDigits(value);
        if (Float.parseFloat(text) != value) {
            text = g(value, FLOAT_MAX_DIGITS10);
        }
        return wholeWithPoint(text);
    }

    /** A double tensor value as TF Serving's REST API writes it ({@code WriteDecimal<double>}). */
    static String jsonDouble(double value) {
        if (!Double.isFinite(value)) {
            return nonFinite(value);
        }
        String text = sixDigits(value);
        if (Double.parseDouble(text) != value) {
            text = g(value, DOUBLE_MAX_DIGITS10);
        }
        return wholeWithPoint(text);
    }

    private static String nonFinite(double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        return value < 0 ? "-Infinity" : "Infinity";
    }

    /** "Add trailing '.0' for whole numbers and those not in scientific notation", as json_tensor.cc does. */
    private static String wholeWithPoint(String text) {
        return text.indexOf('.') < 0 && text.indexOf('e') < 0 ? text + ".0" : text;
    }

    /**
     * printf's {@code %.<precision>g} of a finite value (C locale): the value rounded to {@code precision} significant
     * digits (half to even on its exact binary value, as glibc does); fixed notation when the decimal exponent X of the
     * rounded value satisfies -4 <= X < precision, else {@code d.ddde±XX}; trailing zeros and a trailing point removed.
     */
    static String g(double value, int precision) {
        if (value == 0) {
            return (1 / value < 0) ? "-0" : "0";
        }
        BigDecimal rounded = new BigDecimal(value).round(new MathContext(precision, RoundingMode.HALF_EVEN));
        int exponent = rounded.precision() - rounded.scale() - 1;
        if (exponent < -4 || exponent >= precision) {
            String digits = rounded.unscaledValue().abs().toString();
            String mantissa = stripZeros(digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1));
            return (value < 0 ? "-" : "") + mantissa + "e" + (exponent < 0 ? "-" : "+")
                + (Math.abs(exponent) < 10 ? "0" : "") + Math.abs(exponent);
        }
        return stripZeros(rounded.toPlainString());
    }

    private static String stripZeros(String text) {
        if (text.indexOf('.') < 0) {
            return text;
        }
        int end = text.length();
        while (text.charAt(end - 1) == '0') {
            end--;
        }
        if (text.charAt(end - 1) == '.') {
            end--;
        }
        return text.substring(0, end);
    }
}
