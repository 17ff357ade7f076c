/*
 * Faults in the executable's zero-initialised data in one system call, before the .NET runtime
 * starts. A Native AOT binary begins by rebuilding its type data ("rehydration") into a section of
 * that memory: about 6 MB in sublet, so some 1,450 page faults one page at a time. On the virtual
 * machines Sublet is measured on, each fault is a trap costing ~10 µs: over half of `sublet
 * --version`'s 29 ms (docs/benchmarks.md §6f has the profile and the figures).
 *
 * madvise(2): MADV_HUGEPAGE lets that range take 2 MB pages where it is aligned (THP in "madvise"
 * mode, Debian's default); MADV_POPULATE_WRITE (Linux 5.14) then maps every page writable in one
 * call, as the rehydration would by writing each. Both are hints: on an older kernel or with THP
 * off they fail or do nothing, and the faults happen as before.
 */
#define _GNU_SOURCE
#include <link.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* dl_iterate_phdr(3) reports the main program first; stop after it (return non-zero). */
static int prefault_program(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    (void)data;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *segment = &info->dlpi_phdr[i];
        /* The writable segment's tail past its file bytes is .bss and .hydrated: anonymous memory. */
        if (segment->p_type != PT_LOAD || !(segment->p_flags & PF_W) || segment->p_memsz <= segment->p_filesz) {
            continue;
        }
        uintptr_t base = info->dlpi_addr + segment->p_vaddr;
        uintptr_t start = (base + segment->p_filesz + page - 1) & ~(page - 1);
        uintptr_t end = base + segment->p_memsz;
        if (end > start) {
            madvise((void *)start, end - start, MADV_HUGEPAGE);
            madvise((void *)start, end - start, MADV_POPULATE_WRITE);
        }
    }
    return 1;
}

__attribute__((constructor)) static void sublet_prefault(void)
{
    dl_iterate_phdr(prefault_program, 0);
}
