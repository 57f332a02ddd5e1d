/* The reader of Python frames keeps one entry per process it saw until the process exits:
 * a fork storm's processes are found again at every sample and forgotten at their exit. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include "python/pyframes.h"

/* Pids above any pid_max (4194304 at most): no /proc entry, so each is "not Python". */
#define BASE 5000000
#define N 5000

static uint64_t known(const struct pyframes *pf)
{
	struct pyframes_stats st;

	pyframes_stats(pf, &st);
	return st.known;
}

Test(pyframes, processes_are_found_again_and_forgotten_at_exit)
{
	struct pyframes *pf = pyframes_new(-1, -1);
	static int order[N], pid[N];

	cr_assert(pf);
	/* random pids, whose slots collide (a run of pids spreads evenly and would not) */
	srand(12345);
	for (int i = 0; i < N; i++) {
		bool again;

		do {
			pid[i] = BASE + rand() % 4000000;
			again = false;
			for (int k = 0; k < i && !again; k++)
				again = pid[k] == pid[i];
		} while (again);
		pyframes_note_pid(pf, pid[i]);
	}
	cr_assert_eq(known(pf), N);
	/* exits in an order unlike the arrivals': every removal shifts probe chains */
	for (int i = 0; i < N; i++)
		order[i] = pid[i];
	for (int i = N - 1; i > 0; i--) {
		int k = rand() % (i + 1), t = order[i];

		order[i] = order[k];
		order[k] = t;
	}
	for (int i = 0; i < N / 2; i++)
		pyframes_exit(pf, order[i]);
	cr_assert_eq(known(pf), N - N / 2);
	/* the ones left are each still found: seeing them again adds none */
	for (int i = N / 2; i < N; i++)
		pyframes_note_pid(pf, order[i]);
	cr_assert_eq(known(pf), N - N / 2, "a process left was not found: %llu known",
		     (unsigned long long)known(pf));
	/* one that exited is new again */
	pyframes_note_pid(pf, order[0]);
	cr_assert_eq(known(pf), N - N / 2 + 1);
	pyframes_exit(pf, BASE - 1);	/* never seen: nothing happens */
	for (int i = N / 2; i < N; i++)
		pyframes_exit(pf, order[i]);
	pyframes_exit(pf, order[0]);
	cr_assert_eq(known(pf), 0);
	pyframes_free(pf);
}
