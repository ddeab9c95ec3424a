package dev.tffashion.filedrop.rest;

/** Keeps only the base name of an uploaded file name: no folders, no traversal, no control characters, at most 200 characters. */
final class FileNames {

    private FileNames() {
    }

    static String sanitize(String name) {
        if (name == null) {
            return null;
        }
        String base = name.replace('\\', '/');
        base = base.substring(base.lastIndexOf('/') + 1);
        StringBuilder clean = new StringBuilder();
        for (char c : base.toCharArray()) {
            if (c >= 0x20 && c != 0x7f) {
                clean.append(c);
            }
        }
        String result = clean.toString().strip();
        if (result.isEmpty() || result.equals(".") || result.equals("..")) {
            return null;
        }
        return result.length() > 200 ? result.substring(0, 200) : result;
    }
}
