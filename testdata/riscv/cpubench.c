/* A CPU-bound riscv64 program for speed comparisons (scripts/bench-riscv.sh):
 * a sieve, an insertion-heavy sort, a hash over memory and a little
 * floating point. Prints a checksum so runs can be compared. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp(const void *a, const void *b) {
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv) {
	int rounds = argc > 1 ? atoi(argv[1]) : 10;
	uint64_t sum = 0;
	enum { N = 1 << 20 };
	static uint8_t sieve[N];
	static uint32_t arr[1 << 16];
	for (int r = 0; r < rounds; r++) {
		memset(sieve, 1, sizeof sieve);
		for (int i = 2; i * i < N; i++)
			if (sieve[i])
				for (int j = i * i; j < N; j += i)
					sieve[j] = 0;
		for (int i = 2; i < N; i++)
			sum += sieve[i];
		uint32_t x = 2463534242u + r;
		for (int i = 0; i < (1 << 16); i++) {
			x ^= x << 13; x ^= x >> 17; x ^= x << 5;
			arr[i] = x;
		}
		qsort(arr, 1 << 16, 4, cmp);
		sum += arr[12345];
		uint64_t h = 14695981039346656037ull;
		for (int i = 0; i < N; i++)
			h = (h ^ sieve[i]) * 1099511628211ull;
		sum ^= h;
		double f = 0;
		for (int i = 1; i < 200000; i++)
			f += 1.0 / ((double)i * i);
		sum += (uint64_t)(f * 1e9);
	}
	printf("%llu\n", (unsigned long long)sum);
	return 0;
}
