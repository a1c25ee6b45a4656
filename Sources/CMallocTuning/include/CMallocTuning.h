// Kura's glibc allocator settings are applied by a constructor in malloc_tuning.c; linking
// this target into an executable is all it takes.
