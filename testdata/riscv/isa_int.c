/* Integer, M and C-extension code: prints a hash of many operations so a
 * run under the sentry can be compared byte for byte with qemu-riscv64. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint64_t x = 88172645463325252ull;
static uint64_t rnd(void) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; return x; }

static const int64_t special[] = {0, 1, -1, 2, -2, INT64_MIN, INT64_MAX, INT32_MIN, INT32_MAX, 0x80000000ll, 0xffffffffll, 7, -7};

int main(void) {
	uint64_t h = 1469598103934665603ull;
#define MIX(v) (h = (h ^ (uint64_t)(v)) * 1099511628211ull)
	int n = sizeof special / sizeof special[0];
	for (int r = 0; r < 20000 + n * n; r++) {
		int64_t a, b;
		if (r < n * n) { a = special[r / n]; b = special[r % n]; }
		else { a = (int64_t)rnd(); b = (int64_t)(rnd() >> (rnd() & 63)); }
		MIX(a + b); MIX(a - b); MIX(a * b); MIX(a ^ b); MIX(a & ~b);
		MIX((uint64_t)a >> (b & 63)); MIX(a >> (b & 63)); MIX(a << (b & 63));
		MIX((int32_t)a + (int32_t)b); MIX((int32_t)a * (int32_t)b);
		MIX((__int128)a * b >> 64); MIX((unsigned __int128)(uint64_t)a * (uint64_t)b >> 64);
		MIX((__int128)a * (uint64_t)b >> 64);
		if (b != 0 && !(a == INT64_MIN && b == -1)) { MIX(a / b); MIX(a % b); }
		if (b != 0) { MIX((uint64_t)a / (uint64_t)b); MIX((uint64_t)a % (uint64_t)b); }
		if ((int32_t)b != 0 && !((int32_t)a == INT32_MIN && (int32_t)b == -1)) { MIX((int32_t)a / (int32_t)b); MIX((int32_t)a % (int32_t)b); }
		if ((uint32_t)b != 0) { MIX((uint32_t)a / (uint32_t)b); MIX((uint32_t)a % (uint32_t)b); }
		MIX(a < b); MIX((uint64_t)a < (uint64_t)b); MIX(__builtin_clzll(a | 1)); MIX(__builtin_popcountll(a));
		MIX(__builtin_bswap64(a)); MIX((int8_t)a); MIX((uint16_t)b); MIX((int16_t)b);
	}
	/* Division by zero and overflow as the hardware defines them. */
	volatile int64_t z = 0, m1 = -1, mn = INT64_MIN;
	int64_t q, rem;
	__asm__ volatile("div %0, %1, %2" : "=r"(q) : "r"((int64_t)5), "r"(z)); MIX(q);
	__asm__ volatile("rem %0, %1, %2" : "=r"(rem) : "r"((int64_t)5), "r"(z)); MIX(rem);
	__asm__ volatile("div %0, %1, %2" : "=r"(q) : "r"(mn), "r"(m1)); MIX(q);
	__asm__ volatile("remw %0, %1, %2" : "=r"(rem) : "r"(mn), "r"(m1)); MIX(rem);
	char buf[256];
	for (int i = 0; i < 256; i++) buf[i] = (char)rnd();
	memmove(buf + 3, buf, 200);
	for (int i = 0; i < 256; i++) MIX(buf[i]);
	printf("int hash %016llx\n", (unsigned long long)h);
	return 0;
}
