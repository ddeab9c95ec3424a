package dev.tffashion.filedrop.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** Uploaded file names keep only a safe base name: no folders, no traversal, no control characters. */
class FileNamesTest {

    @Test
    void keepsOnlyTheBaseName() {
        assertEquals("passwd", FileNames.sanitize("../../etc/passwd"));
        assertEquals("x.png", FileNames.sanitize("..\\x.png"));
        assertEquals("evil.png", FileNames.sanitize("..\\..\\Windows\\System32\\evil.png"));
        assertEquals("shadow", FileNames.sanitize("/etc/shadow"));
        assertEquals("evil.png", FileNames.sanitize("C:\\Users\\x\\evil.png"));
        assertEquals("a.png", FileNames.sanitize("\\\\server\\share\\a.png"));
        assertEquals("shirt.png", FileNames.sanitize("shirt.png"));
        assertEquals("..shirt.png", FileNames.sanitize("..shirt.png"));
    }

    @Test
    void dropsControlCharactersAndNulBytes() {
        assertEquals("evil.php.png", FileNames.sanitize("evil.php\0.png"));
        assertEquals("a.pngX-Injected: 1", FileNames.sanitize("a.png\r\nX-Injected: 1"));
        assertEquals("tab.png", FileNames.sanitize("\ttab.png\177"));
    }

    @Test
    void nothingUsableIsNoName() {
        assertNull(FileNames.sanitize(null));
        assertNull(FileNames.sanitize(""));
        assertNull(FileNames.sanitize(".."));
        assertNull(FileNames.sanitize("."));
        assertNull(FileNames.sanitize("../"));
        assertNull(FileNames.sanitize("..\\.."));
        assertNull(FileNames.sanitize("\0\1"));
    }

    @Test
    void longNamesAreCut() {
        assertEquals(200, FileNames.sanitize("a".repeat(500) + ".png").length());
    }
}
