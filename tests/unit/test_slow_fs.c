/* Which filesystems tailtrace never touches: named by type from mountinfo; and when the
 * mountinfo cannot be read, every device is taken for one. */
#include <criterion/criterion.h>
#include <sys/stat.h>
#include "core/slow_fs.h"

Test(slow_fs, types_that_may_block)
{
	cr_assert(slow_fs_type("fuse"));
	cr_assert(slow_fs_type("fuse.sshfs"));
	cr_assert(slow_fs_type("fuseblk"));
	/* the host's servers, a VM's shares: their names matter more */
	cr_assert_not(slow_fs_type("nfs4"));
	cr_assert_not(slow_fs_type("9p"));
	cr_assert_not(slow_fs_type("virtiofs"));
	cr_assert_not(slow_fs_type("ext4"));
	cr_assert_not(slow_fs_type("tmpfs"));
	cr_assert_not(slow_fs_type("overlay"));
	cr_assert_not(slow_fs_type("fusectl"), "the FUSE control filesystem is the kernel's");
}

Test(slow_fs, our_root_is_not_slow_and_an_unreadable_mountinfo_is)
{
	struct slow_fs s;
	struct stat st;

	cr_assert_eq(stat("/", &st), 0);
	cr_assert_eq(slow_fs_read(0, &s), 0);
	cr_assert_not(slow_fs_has(&s, st.st_dev));
	slow_fs_free(&s);
	/* above any pid_max: no such process */
	cr_assert_lt(slow_fs_read(5000000, &s), 0);
	cr_assert(slow_fs_has(&s, st.st_dev), "unknown: every device may block");
	slow_fs_free(&s);
}
