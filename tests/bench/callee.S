/* Functions with a known first instruction, for the overhead benchmark: the kernel
 * emulates `push %rbp` but must single-step `endbr64`. */
	.text
	.globl	bench_push
	.type	bench_push, @function
bench_push:
	push	%rbp
	mov	%rsp, %rbp
	pop	%rbp
	ret
	.size	bench_push, .-bench_push

	.globl	bench_endbr
	.type	bench_endbr, @function
bench_endbr:
	endbr64
	push	%rbp
	mov	%rsp, %rbp
	pop	%rbp
	ret
	.size	bench_endbr, .-bench_endbr
	.section .note.GNU-stack,"",@progbits
