# SPDX-License-Identifier: GPL-2.0
# scamem: build, boot, test and measure the patch set against Linux 7.3.
# Every target installs what it needs; see README.md.

T := tools

.PHONY: help deps tree export kunit kunit-um kunit-x86_64 sparse vma-tests checkpatch \
	kerneldoc cocci-tests cocci-report check run stress bench clean

help:		## list the targets
	@grep -E '^[a-z0-9_-]+:.*## ' $(MAKEFILE_LIST) | \
		sed -E 's/^([^:]+):.*## /  make \1	/' | expand -t 24

deps:		## install the Debian 12 packages the workspace needs
	@$(T)/deps

tree: deps	## materialize the patched tree in build/linux (git, one commit per patch)
	@$(T)/mktree

export:		## write build/linux back into patches/ and linux/
	@$(T)/export

kunit: kunit-um kunit-x86_64	## run the KUnit suites on UML and on x86_64 (QEMU, TCG)

kunit-um kunit-x86_64: tree
	@$(T)/kunit $(@:kunit-%=%)

sparse: tree	## sparse (C=2) on every C file this project adds or changes
	@$(T)/sparse

vma-tests: tree	## upstream's userland tests of mm/vma.c (tools/testing/vma)
	@$(T)/vma-tests

checkpatch: tree	## checkpatch.pl --strict on linux/ and patches/
	@$(T)/checkpatch

kerneldoc: tree	## kernel-doc -Wall on our headers and sources
	@$(T)/kerneldoc

cocci-tests: tree	## the scamem semantic patches on tests/coccinelle/, patch and report mode
	@$(T)/cocci-tests

cocci-report: tree	## the scamem semantic patches over unmodified 7.3: build/cocci-report.md
	@$(T)/cocci-report

check: deps	## the whole test suite; ends with "N passed, N failed"
	@$(T)/check

run: tree	## boot the patched kernel in QEMU and run the demo
	@$(T)/run

# DURATION: seconds of stress (default 600); KIND=kcsan for the KCSAN kernel.
stress: tree	## the in-guest stress test alone for DURATION s (600) in the debug kernel
	@$(T)/stress $(DURATION)

bench: tree	## unpatched vs scamem kernel side by side: table, CSV, plots
	@$(T)/bench

clean:		## remove build output (keeps downloads and the base tree)
	rm -rf build/kunit-* build/x86_64 build/x86_64-debug build/x86_64-kcsan \
		build/results build/logs build/bench \
		build/bench-base build/bench-scamem build/compile-* build/cocci-*
