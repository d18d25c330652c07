/* F and D: arithmetic in every rounding mode, conversions at their
 * limits, NaNs, signed zeros and the exception flags, printed in hex. */
#include <fenv.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint64_t bits(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }
static uint32_t fbits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static double mk(uint64_t u) { double d; memcpy(&d, &u, 8); return d; }

static const int modes[] = {FE_TONEAREST, FE_TOWARDZERO, FE_DOWNWARD, FE_UPWARD};
static const char *names[] = {"rne", "rtz", "rdn", "rup"};

int main(void) {
	volatile double vals[] = {0.0, -0.0, 1.0, -1.0, 3.0, 1.0 / 3, 1e308, -1e308, 5e-324, 2.2250738585072014e-308,
		INFINITY, -INFINITY, NAN, mk(0x7ff0000000000001ull), 0.5, 2.5, -2.5, 4294967295.5, 9.3e18, -9.3e18, 1.8e19, 3e9, -3e9};
	int n = sizeof vals / sizeof vals[0];
	for (int m = 0; m < 4; m++) {
		fesetround(modes[m]);
		for (int i = 0; i < n; i++) {
			for (int j = 0; j < n; j++) {
				double a = vals[i], b = vals[j];
				feclearexcept(FE_ALL_EXCEPT);
				double s = a + b, d = a - b, p = a * b, q = a / b, f = fma(a, b, 1.0);
				float fs = (float)a * (float)b;
				int ex = fetestexcept(FE_ALL_EXCEPT);
				printf("%s %d %d %016llx %016llx %016llx %016llx %016llx %08x %02x\n", names[m], i, j,
					(unsigned long long)bits(s), (unsigned long long)bits(d), (unsigned long long)bits(p),
					(unsigned long long)bits(q), (unsigned long long)bits(f), fbits(fs), ex);
			}
			double a = vals[i];
			feclearexcept(FE_ALL_EXCEPT);
			long l = lrint(a);
			long long ll; unsigned long lu; int w; unsigned wu;
			__asm__ volatile("fcvt.l.d %0, %1, dyn" : "=r"(ll) : "f"(a));
			__asm__ volatile("fcvt.lu.d %0, %1, dyn" : "=r"(lu) : "f"(a));
			__asm__ volatile("fcvt.w.d %0, %1, dyn" : "=r"(w) : "f"(a));
			__asm__ volatile("fcvt.wu.d %0, %1, dyn" : "=r"(wu) : "f"(a));
			float fa = (float)a;
			double r = sqrt(a);
			int ex = fetestexcept(FE_ALL_EXCEPT);
			printf("%s %d %ld %lld %lu %d %u %08x %016llx %02x\n", names[m], i, l, ll, lu, w, wu, fbits(fa),
				(unsigned long long)bits(r), ex);
		}
		for (long long k = -5; k < 5; k++) {
			long long v = 0x7fffffffffffffffll - 10000 + (k + 5) * 1000;
			printf("%s cvt %016llx %08x\n", names[m], (unsigned long long)bits((double)v), fbits((float)v));
		}
	}
	fesetround(FE_TONEAREST);
	printf("fmin %016llx fmax %016llx\n", (unsigned long long)bits(fmin(-0.0, 0.0)), (unsigned long long)bits(fmax(NAN, 1.0)));
	printf("%.17g %.9g %s\n", exp(1.0), (float)sin(1.0), "done");
	return 0;
}
