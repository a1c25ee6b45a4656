internal import CLinux
import Foundation

/// Keeps glibc from returning every large buffer to the kernel. Backups allocate many
/// megabyte-sized buffers (chunks, compressed blobs, packs); with glibc's default they are
/// mmap'ed and unmapped one by one, and the page faults cost more system time than the
/// crypto. With these thresholds freed buffers are reused instead.
enum MemoryTuning {
    static func apply() {
        _ = mallopt(M_MMAP_THRESHOLD, 64 * 1024 * 1024)
        _ = mallopt(M_TRIM_THRESHOLD, 128 * 1024 * 1024)
    }
}
