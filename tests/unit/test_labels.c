/* Label decoders: addresses as people write them, /proc's addresses, prefixes. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include "labels/inet.h"

Test(labels, prefixes)
{
	uint8_t a[16];
	uint32_t prefix;
	int family;

	cr_assert_eq(inet_prefix_parse("192.0.2.0/24", &family, a, &prefix), 0);
	cr_assert_eq(family, AF_INET);
	cr_assert_eq(prefix, 24);
	cr_assert_eq(memcmp(a, "\xc0\x00\x02\x00", 4), 0);
	cr_assert_eq(inet_prefix_parse("2001:db8::1", &family, a, &prefix), 0);
	cr_assert_eq(family, AF_INET6);
	cr_assert_eq(prefix, 128, "no prefix: the whole address");
	cr_assert_eq(inet_prefix_parse("2001:db8::/32", &family, a, &prefix), 0);
	cr_assert_eq(prefix, 32);
	cr_assert_eq(inet_prefix_parse("198.51.100.0/33", &family, a, &prefix), -ERANGE);
	cr_assert_eq(inet_prefix_parse("2001:db8::/129", &family, a, &prefix), -ERANGE);
	cr_assert_eq(inet_prefix_parse("192.0.2.0/-1", &family, a, &prefix), -ERANGE);
	cr_assert_eq(inet_prefix_parse("192.0.2.0/", &family, a, &prefix), -ERANGE);
	cr_assert_eq(inet_prefix_parse("300.1.2.3", &family, a, &prefix), -EINVAL);
	cr_assert_eq(inet_prefix_parse("example.org", &family, a, &prefix), -EINVAL);
}

Test(labels, endpoints)
{
	uint8_t v4[16] = { 192, 0, 2, 1 }, v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	char buf[64];

	cr_assert_str_eq(inet_endpoint(AF_INET, v4, 80, buf, sizeof(buf)), "192.0.2.1:80");
	cr_assert_str_eq(inet_endpoint(AF_INET6, v6, 443, buf, sizeof(buf)), "[2001:db8::1]:443");
	cr_assert_str_eq(inet_endpoint(AF_INET, v4, 0, buf, sizeof(buf)), "192.0.2.1",
			 "an accepted connection's remote: the address alone");
}

Test(labels, proc_net_tcp_addresses)
{
	uint8_t a[16];
	uint32_t family;

	cr_assert_eq(inet_proc_addr("0100007F", &family, a), 0);
	cr_assert_eq(family, AF_INET);
	cr_assert_eq(memcmp(a, "\x7f\x00\x00\x01", 4), 0, "127.0.0.1, as the host prints it");
	cr_assert_eq(inet_proc_addr("0000000000000000FFFF00000201A8C0", &family, a), 0);
	cr_assert_eq(family, AF_INET, "an IPv4-mapped address is IPv4");
	cr_assert_eq(memcmp(a, "\xc0\xa8\x01\x02", 4), 0);
	cr_assert_eq(inet_proc_addr("B80D0120000000000000000001000000", &family, a), 0);
	cr_assert_eq(family, AF_INET6);
	cr_assert_eq(memcmp(a, "\x20\x01\x0d\xb8", 4), 0);
	cr_assert_eq(inet_proc_addr("0100007G", &family, a), -EINVAL);
	cr_assert_eq(inet_proc_addr("0100", &family, a), -EINVAL);
}
