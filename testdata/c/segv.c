/* Dereferences NULL: the sentry must report SIGSEGV like a shell. */
int main(void) {
	volatile int *p = 0;
	return *p;
}
