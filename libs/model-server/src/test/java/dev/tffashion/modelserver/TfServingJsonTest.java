package dev.tffashion.modelserver;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.TensorProto;
import tensorflow.serving.Classification.Class;
import tensorflow.serving.Classification.ClassificationResult;
import tensorflow.serving.Classification.Classifications;
import tensorflow.serving.RegressionOuterClass.Regression;
import tensorflow.serving.RegressionOuterClass.RegressionResult;

/**
 * The REST answers' text against the exact values of TF Serving's own json_tensor_test.cc (its
 * {@code CompareJsonAllValuesAsStrings} cases compare each number's text), in the layout TF Serving's RapidJSON
 * PrettyWriter gives them, and the number formats of json_tensor.cc's WriteDecimal and absl::StrCat.
 */
class TfServingJsonTest {

    private static TensorProto floats(long[] shape, float... values) {
        TensorProto.Builder tensor = TensorProto.newBuilder().setDtype(DataType.DT_FLOAT)
            .setTensorShape(TensorConversion.shapeProto(shape));
        for (float v : values) {
            tensor.addFloatVal(v);
        }
        return tensor.build();
    }

    @Test
    void sixDigitPrecisionOfJsonTensorTest() {
        // json_tensor_test.cc FromJsonSingleFloatTensorSixDigitPrecision: [9e+06, 999999.0, 0.5], [0.0003, 3e-05, 555557.5]
        TensorProto tensor = floats(new long[] {2, 3}, 9000000f, 999999f, 0.5f, .0003f, .00003f, 555557.5f);
        assertEquals("{\n    \"predictions\": [[9e+06, 999999.0, 0.5], [0.0003, 3e-05, 555557.5]\n    ]\n}",
            JsonTensors.predictions(Map.of("float_tensor", tensor)));
    }

    @Test
    void nonFiniteValuesOfJsonTensorTest() {
        // json_tensor_test.cc FromJsonSingleFloatTensorNonFinite: [NaN, Infinity], [3.0, -Infinity]
        TensorProto tensor = floats(new long[] {2, 2}, Float.NaN, Float.POSITIVE_INFINITY, 3f, Float.NEGATIVE_INFINITY);
        assertEquals("{\n    \"predictions\": [[NaN, Infinity], [3.0, -Infinity]\n    ]\n}",
            JsonTensors.predictions(Map.of("float_tensor", tensor)));
        // JsonFromRegressionResultWithNonFinite: [0.2, Infinity, 1.0, -Infinity, NaN]
        RegressionResult.Builder result = RegressionResult.newBuilder();
        for (float v : new float[] {0.2f, Float.POSITIVE_INFINITY, 1.0f, Float.NEGATIVE_INFINITY, Float.NaN}) {
            result.addRegressions(Regression.newBuilder().setValue(v));
        }
        assertEquals("{\n    \"results\": [0.2, Infinity, 1.0, -Infinity, NaN]\n}", JsonTensors.regressionResults(result.build()));
    }

    @Test
    void classificationResultOfJsonTensorTest() {
        // JsonFromClassificationResult: [["car", 0.2], ["bike", 0.7], ["bus", 0.1]], [["car", 0.7], ...]
        ClassificationResult.Builder result = ClassificationResult.newBuilder();
        result.addClassifications(Classifications.newBuilder().addClasses(Class.newBuilder().setLabel("car").setScore(0.2f))
            .addClasses(Class.newBuilder().setLabel("bike").setScore(0.7f)).addClasses(Class.newBuilder().setLabel("bus").setScore(0.1f)));
        result.addClassifications(Classifications.newBuilder().addClasses(Class.newBuilder().setLabel("car").setScore(0.7f))
            .addClasses(Class.newBuilder().setLabel("bike").setScore(0.1f)).addClasses(Class.newBuilder().setLabel("bus").setScore(0.2f)));
        assertEquals("{\n    \"results\": [[[\"car\", 0.2], [\"bike\", 0.7], [\"bus\", 0.1]], [[\"car\", 0.7], [\"bike\", 0.1],"
            + " [\"bus\", 0.2]]\n    ]\n}", JsonTensors.classificationResults(result.build()));
    }

    @Test
    void severalNamedTensorsOfJsonTensorTest() {
        // FromJsonMultipleNamedTensors: one object per row, keys in name order; doubles, ints, strings and _bytes as b64.
        Map<String, TensorProto> tensors = new TreeMap<>();
        tensors.put("double_scalar_tensor", TensorProto.newBuilder().setDtype(DataType.DT_DOUBLE)
            .setTensorShape(TensorConversion.shapeProto(new long[] {2})).addDoubleVal(8.0).addDoubleVal(9.0).build());
        tensors.put("float_tensor", floats(new long[] {2, 1}, 1f, 2f));
        tensors.put("int_tensor", TensorProto.newBuilder().setDtype(DataType.DT_INT32)
            .setTensorShape(TensorConversion.shapeProto(new long[] {2, 2})).addIntVal(1).addIntVal(2).addIntVal(7).addIntVal(8)
            .build());
        tensors.put("str_tensor_bytes", TensorProto.newBuilder().setDtype(DataType.DT_STRING)
            .setTensorShape(TensorConversion.shapeProto(new long[] {2})).addStringVal(ByteString.copyFromUtf8("hello"))
            .addStringVal(ByteString.copyFromUtf8("tf")).build());
        assertEquals("{\n    \"predictions\": [\n        {\n            \"double_scalar_tensor\": 8.0,"
            + "\n            \"float_tensor\": [1.0],\n            \"int_tensor\": [1, 2],"
            + "\n            \"str_tensor_bytes\": {\n                \"b64\": \"aGVsbG8=\"\n"
            + "            }\n        },\n        {\n            \"double_scalar_tensor\": 9.0,\n            \"float_tensor\": [2.0],"
            + "\n            \"int_tensor\": [7, 8],\n            \"str_tensor_bytes\": {\n                \"b64\": \"dGY=\"\n"
            + "            }\n        }\n    ]\n}", JsonTensors.predictions(tensors));
        assertEquals("{\n    \"outputs\": {\n        \"double_scalar_tensor\": [\n            8.0,\n            9.0\n        ],"
            + "\n        \"float_tensor\": [\n            [\n                1.0\n            ],\n            [\n                2.0\n"
            + "            ]\n        ],\n        \"int_tensor\": [\n            [\n                1,\n                2\n            ],"
            + "\n            [\n                7,\n                8\n            ]\n        ],\n        \"str_tensor_bytes\": [\n"
            + "            {\n                \"b64\": \"aGVsbG8=\"\n            },\n            {\n                \"b64\": \"dGY=\"\n"
            + "            }\n        ]\n    }\n}", JsonTensors.outputs(tensors));
    }

    @Test
    void writeDecimalOfFloatsAndDoubles() {
        assertEquals("3.0", TfNumbers.jsonFloat(3f));
        assertEquals("0.1", TfNumbers.jsonFloat(0.1f));
        assertEquals("1e-05", TfNumbers.jsonFloat(1e-5f));
        assertEquals("-2.5", TfNumbers.jsonFloat(-2.5f));
        assertEquals("-0.0", TfNumbers.jsonFloat(-0f));
        assertEquals("16777216.0", TfNumbers.jsonFloat(16777216f));
        assertEquals("0.333333343", TfNumbers.jsonFloat(1f / 3));
        assertEquals("3.0", TfNumbers.jsonDouble(3.0));
        assertEquals("1e-05", TfNumbers.jsonDouble(1e-5));
        assertEquals("0.33333333333333331", TfNumbers.jsonDouble(1.0 / 3));
        assertEquals("1e+100", TfNumbers.jsonDouble(1e100));
        assertEquals("NaN", TfNumbers.jsonDouble(Double.NaN));
        assertEquals("-Infinity", TfNumbers.jsonDouble(Double.NEGATIVE_INFINITY));
    }

    @Test
    void strCatOfDoublesAsThePrometheusPagePrintsThem() {
        assertEquals("10", TfNumbers.sixDigits(10));
        assertEquals("18", TfNumbers.sixDigits(10 * 1.8));
        assertEquals("104.976", TfNumbers.sixDigits(10 * 1.8 * 1.8 * 1.8 * 1.8));
        assertEquals("188.957", TfNumbers.sixDigits(188.9568));
        assertEquals("1.23457e+06", TfNumbers.sixDigits(1234567));
        assertEquals("1e+06", TfNumbers.sixDigits(999999.5));
        assertEquals("0.0001", TfNumbers.sixDigits(0.0001));
        assertEquals("1e-05", TfNumbers.sixDigits(0.00001));
        assertEquals("0", TfNumbers.sixDigits(0));
    }
}
