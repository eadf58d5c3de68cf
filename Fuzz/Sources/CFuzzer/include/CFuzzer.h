// libFuzzer's driver, called from the fuzz targets' own entry point: SwiftPM
// links a debug executable with main() renamed to <Module>_main, so
// libFuzzer's main() is not the one that runs.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
