/* An illegal instruction: the shell's "Illegal instruction", status 132. */
int main(void) {
	__asm__ volatile(".4byte 0xffffffff");
	return 0;
}
