package dev.tffashion.imaging;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/** Writes the ten sample pictures into samples/images; run by samples/images/generate.sh, skipped otherwise. */
@EnabledIfSystemProperty(named = "samples.generate", matches = "true")
class SampleImagesGenerator {

    @Test
    void generate() throws Exception {
        Files.createDirectories(SampleImages.DIR);
        FashionMnistFiles.Images test = FashionMnistFiles.test();
        for (SampleImages.Sample sample : SampleImages.ALL) {
            ShopPhotos.Photo photo = SampleImages.make(sample);
            Files.write(SampleImages.DIR.resolve(sample.file()), photo.bytes());
            System.out.printf("| `%s` | %d | %s | %s | %,d |%n", sample.file(), test.firstOf(sample.label()),
                FashionMnistFiles.CLASS_NAMES[sample.label()], photo.description(), photo.bytes().length);
        }
    }
}
