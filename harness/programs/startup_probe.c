/* hr_startup_probe: a program that does nothing. `heapreplay fidelity` runs
 * it under each allocator with a measured program's own libraries preloaded
 * after the allocator's, and takes its peak resident memory for what the
 * allocator costs that program at start-up (docs/fidelity.md). It is C so
 * that it loads no library of its own beyond the C library. */
int main(void) { return 0; }
