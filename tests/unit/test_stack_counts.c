/* Unwound stacks counted by process, name, kernel stack, completeness and addresses, with a
 * bound on how many distinct ones are held. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include "unwind/stack_counts.h"

static int add(struct stack_counts *c, uint32_t pid, const char *comm, int32_t kstack,
	       bool complete, const uint64_t *ips, uint32_t n)
{
	struct stack_count k = { .pid = pid, .kstack = kstack, .complete = complete,
				 .ips = (uint64_t *)ips, .n = n };

	memcpy(k.comm, comm, strnlen(comm, sizeof(k.comm)));
	return stack_counts_add(c, &k);
}

Test(stack_counts, each_part_of_the_key_tells_stacks_apart)
{
	struct stack_counts *c = stack_counts_new(100);
	uint64_t a[] = { 0x10, 0x20, 0x30 }, b[] = { 0x10, 0x20, 0x31 };

	cr_assert(c);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(add(c, 1, "app", 5, true, a, 3), 0);
	cr_assert_eq(add(c, 2, "app", 5, true, a, 3), 0);		/* pid */
	cr_assert_eq(add(c, 1, "app2", 5, true, a, 3), 0);		/* comm */
	cr_assert_eq(add(c, 1, "app", -1, true, a, 3), 0);		/* kernel stack */
	cr_assert_eq(add(c, 1, "app", 5, false, a, 3), 0);		/* completeness */
	cr_assert_eq(add(c, 1, "app", 5, true, b, 3), 0);		/* an address */
	cr_assert_eq(add(c, 1, "app", 5, true, a, 2), 0);		/* the depth */
	/* a name of the full 16 bytes, not terminated, is its own */
	cr_assert_eq(add(c, 1, "0123456789abcdef", 5, true, a, 3), 0);
	cr_assert_eq(add(c, 1, "0123456789abcdef", 5, true, a, 3), 0);
	/* the Python frames' id */
	cr_assert_eq(stack_counts_add(c, &(struct stack_count){ .pid = 1, .comm = "app",
		     .kstack = 5, .complete = true, .ips = a, .n = 3, .pystack = 9 }), 0);
	cr_assert_eq(stack_counts_len(c), 9);
	cr_assert_eq(stack_counts_at(c, 0)->count, 3);
	cr_assert_eq(stack_counts_at(c, 7)->count, 2);
	cr_assert_eq(stack_counts_at(c, 8)->pystack, 9);
	for (size_t i = 1; i < 7; i++)
		cr_assert_eq(stack_counts_at(c, i)->count, 1, "stack %zu", i);
	cr_assert_eq(stack_counts_at(c, 4)->ips[2], 0x30, "the addresses are copied");
	cr_assert_eq(stack_counts_at(c, 1)->pid, 2);
	stack_counts_free(c);
}

Test(stack_counts, bounded_new_stacks_refused_known_ones_counted)
{
	struct stack_counts *c = stack_counts_new(1000);
	uint64_t ip[1];

	cr_assert(c);
	for (uint64_t i = 0; i < 1000; i++) {
		ip[0] = i;
		cr_assert_eq(add(c, 1, "app", -1, false, ip, 1), 0);
	}
	ip[0] = 1000;
	cr_assert_eq(add(c, 1, "app", -1, false, ip, 1), -ENOSPC, "a new stack past the bound");
	ip[0] = 999;
	cr_assert_eq(add(c, 1, "app", -1, false, ip, 1), 0, "a stack held still counts");
	cr_assert_eq(stack_counts_at(c, 999)->count, 2);
	cr_assert_eq(stack_counts_len(c), 1000);
	stack_counts_free(c);
	cr_assert_null(stack_counts_new(0));
}

Test(stack_counts, the_tag_tells_apart_and_values_add_up)
{
	struct stack_counts *c = stack_counts_new(10);
	uint64_t a[] = { 0x10, 0x20 };
	struct stack_count k = { .pid = 1, .kstack = -1, .ips = a, .n = 2, .value = 1000 };

	cr_assert(c);
	strncpy(k.comm, "app", sizeof(k.comm));
	cr_assert_eq(stack_counts_add(c, &k), 0);
	k.value = 2500;
	cr_assert_eq(stack_counts_add(c, &k), 0);
	k.tag = 1;			/* another function (func), another state (--wall) */
	k.value = 7;
	cr_assert_eq(stack_counts_add(c, &k), 0);
	cr_assert_eq(stack_counts_len(c), 2);
	cr_assert_eq(stack_counts_at(c, 0)->count, 2);
	cr_assert_eq(stack_counts_at(c, 0)->value, 3500, "the values of one stack are summed");
	cr_assert_eq(stack_counts_at(c, 1)->tag, 1);
	cr_assert_eq(stack_counts_at(c, 1)->value, 7);
	stack_counts_free(c);
}
