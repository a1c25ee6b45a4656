// glibc's allocator, tuned for Kura before main() runs and before any thread exists (the
// arena limit is fixed when a second thread first allocates, so setting it from Swift,
// once the runtime's threads are up, is too late).
//
// - Buffers up to 8 MiB (chunks, compressed blobs) stay in the heap and are reused: with
//   glibc's default (a threshold that moves with what was freed) each was mmap'ed and
//   unmapped, and the page faults cost more system time than the crypto. Larger ones (packs,
//   read buffers) are mmap'ed and given back whole: kept in the heap, they fragmented it and a
//   backup of a real tree (/usr/share) peaked 20-30 MiB higher. (Recycling pack buffers
//   instead saved the page faults, ~10 % of a backup's time, but kept a whole pack's pages
//   resident while it filled: 15 MiB more at the peak.)
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
