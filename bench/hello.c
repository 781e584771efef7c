/* The floor for a command that prints one line: a statically linked C "hello".
 * bench/compare.sh builds it with `gcc -O2 -static` and times it beside `portdex 443`. */
#include <stdio.h>

int main(void) {
    puts("hello");
    return 0;
}
