/* What one page fault costs on this machine: touches N fresh anonymous pages (one write
 * fault each). `perf stat -r 200 -e task-clock,page-faults bench/pagefault_cost 1000` minus
 * the same with 0, divided by 1000 (docs/BENCHMARKS.md, start-up of portdex 443). */
#include <stdlib.h>
#include <sys/mman.h>
int main(int argc, char **argv) {
    long n = atol(argv[1]);
    char *p = mmap(0, n * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (long i = 0; i < n; i++) p[i * 4096] = 1;
    return 0;
}
