/* The source lines of tests/targets/inlined.c that the symbol tests expect DWARF to give:
 * each is checked where it is written (_Static_assert on __LINE__), so an edit of the target
 * that moves them fails its build, not the tests. */
#ifndef TT_TARGET_INLINED_LINES_H
#define TT_TARGET_INLINED_LINES_H

#define INLINED_LEAF_LINE	26	/* leaf_mix's loop, inlined into work */
#define INLINED_CALL_LINE	36	/* work's call of leaf_mix */

#endif
