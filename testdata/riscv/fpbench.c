/* A floating-point-bound riscv64 program for speed comparisons
 * (scripts/bench-riscv.sh) and for comparing results with qemu-riscv64
 * bit for bit (e2e TestRISCVMatchesQemu): an n-body simulation in double
 * (add, mul, div, sqrt, fused multiply-adds), a Mandelbrot set in float,
 * conversions both ways, min/max and compares, under every rounding mode
 * the C library can set; results and fflags are printed exactly. */
#include <fenv.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define NB 5

static double px[NB], py[NB], pz[NB], vx[NB], vy[NB], vz[NB], mass[NB];

static void init(void) {
	for (int i = 0; i < NB; i++) {
		px[i] = i * 1.1 - 2.3;
		py[i] = (i * 7 % 5) * 0.7 - 1.4;
		pz[i] = (i * 3 % 4) * 0.3;
		vx[i] = 0.01 * i;
		vy[i] = -0.02 * i;
		vz[i] = 0.005;
		mass[i] = 1.0 + i * 0.25;
	}
}

static double energy(void) {
	double e = 0;
	for (int i = 0; i < NB; i++) {
		e += 0.5 * mass[i] * (vx[i] * vx[i] + vy[i] * vy[i] + vz[i] * vz[i]);
		for (int j = i + 1; j < NB; j++) {
			double dx = px[i] - px[j], dy = py[i] - py[j], dz = pz[i] - pz[j];
			e -= mass[i] * mass[j] / sqrt(dx * dx + dy * dy + dz * dz);
		}
	}
	return e;
}

static void advance(double dt) {
	for (int i = 0; i < NB; i++)
		for (int j = i + 1; j < NB; j++) {
			double dx = px[i] - px[j], dy = py[i] - py[j], dz = pz[i] - pz[j];
			double d2 = dx * dx + dy * dy + dz * dz + 0.01;
			double mag = dt / (d2 * sqrt(d2));
			vx[i] -= dx * mass[j] * mag;
			vy[i] -= dy * mass[j] * mag;
			vz[i] -= dz * mass[j] * mag;
			vx[j] += dx * mass[i] * mag;
			vy[j] += dy * mass[i] * mag;
			vz[j] += dz * mass[i] * mag;
		}
	for (int i = 0; i < NB; i++) {
		px[i] += dt * vx[i];
		py[i] += dt * vy[i];
		pz[i] += dt * vz[i];
	}
}

static long mandel(int size) {
	long total = 0;
	for (int y = 0; y < size; y++)
		for (int x = 0; x < size; x++) {
			float cr = 2.5f * x / size - 2.0f, ci = 2.0f * y / size - 1.0f;
			float zr = 0, zi = 0;
			int k = 0;
			while (k < 100 && zr * zr + zi * zi < 4.0f) {
				float t = zr * zr - zi * zi + cr;
				zi = 2.0f * zr * zi + ci;
				zr = t;
				k++;
			}
			total += k;
		}
	return total;
}

static long convert(int n) {
	long s = 0;
	double m = -1e300;
	for (int i = 1; i <= n; i++) {
		double v = (double)i / 7.0 - n / 14.0;
		s += (long)v + (long)lrint(v * 3.0) + (unsigned)(float)(i * 0.5);
		m = fmax(m, fmin(v, 100.0));
	}
	return s ^ (long)(m * 1e6);
}

int main(int argc, char **argv) {
	int rounds = argc > 1 ? atoi(argv[1]) : 1; /* 1: a quick test; 50 for timing */
	static const int modes[] = {FE_TONEAREST, FE_TOWARDZERO, FE_DOWNWARD, FE_UPWARD};
	static const char *names[] = {"nearest", "towardzero", "downward", "upward"};
	for (int m = 0; m < 4; m++) {
		fesetround(modes[m]);
		feclearexcept(FE_ALL_EXCEPT);
		init();
		double e0 = energy();
		for (int i = 0; i < 2000 * rounds; i++)
			advance(0.001);
		double e1 = energy();
		long md = 0;
		for (int i = 0; i < rounds; i++)
			md += mandel(40);
		long cv = convert(10000 * rounds);
		int fl = fetestexcept(FE_ALL_EXCEPT);
		printf("%s: energy %a -> %a, mandel %ld, convert %ld, fflags %#x\n", names[m], e0, e1, md, cv, fl);
	}
	return 0;
}
