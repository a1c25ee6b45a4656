// glibc's allocator, tuned for Kura before main() runs and before any thread exists (the
// arena limit is fixed when a second thread first allocates, so setting it from Swift,
// once the runtime's threads are up, is too late).
//
// - Large buffers (chunks, compressed blobs, packs) stay in the heap and are reused: with
//   glibc's defaults each is mmap'ed and unmapped, and the page faults cost more system time
//   than the crypto.
// - One arena for all threads: worker threads allocate the compressed blobs the main thread
//   frees, and with an arena per thread each kept its own freed megabytes (a backup's peak
//   RSS was 40 MiB higher, for no gain in speed).
#include <malloc.h>
#include "CMallocTuning.h"

__attribute__((constructor)) static void kura_tune_malloc(void) {
    mallopt(M_MMAP_THRESHOLD, 8 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 128 * 1024 * 1024);
    mallopt(M_ARENA_MAX, 1);
}
