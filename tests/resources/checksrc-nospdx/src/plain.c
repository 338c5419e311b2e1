/* A clean source file without its licence line: checksrc must refuse it. */
int plain(void) { return 0; }
