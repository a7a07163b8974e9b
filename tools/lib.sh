# SPDX-License-Identifier: GPL-2.0
# Shared settings for the scamem host tools.  Sourced, not run.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
TREE=$BUILD/linux		# the patched tree: a git repository
APTDIR=$BUILD/apt		# private apt configuration, never the system's
RESULTS=$BUILD/results		# one file per check, read by tools/summary
BASE_TREE=$BUILD/linux-base	# the unpatched tree, see base_tree()
JOBS=${JOBS:-$(nproc)}

# Debian's own tools first (python3 with python3-ply, ...), even where a
# user-installed python3 comes earlier in PATH.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH

export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
export CCACHE_BASEDIR=$BUILD	# lets ccache hit across fresh clones
export KBUILD_BUILD_TIMESTAMP='scamem'	# reproducible: no rebuild for the date
export KBUILD_BUILD_USER=scamem KBUILD_BUILD_HOST=scamem

# Options that point apt at $APTDIR and nowhere else.
apt_private_opts() {
	printf '%s\n' \
		-o "Dir::Etc::SourceList=$APTDIR/sources.list" \
		-o "Dir::Etc::SourceParts=$APTDIR/sources.list.d" \
		-o "Dir::Etc::Preferences=$APTDIR/preferences" \
		-o "Dir::Etc::PreferencesParts=$APTDIR/preferences.d" \
		-o "Dir::State::Lists=$APTDIR/lists" \
		-o "Dir::Cache=$APTDIR/cache" \
		-o "Acquire::Check-Valid-Until=false" \
		-o "APT::Get::List-Cleanup=false" \
		-o "APT::Sandbox::User=root"
}

say()  { printf '\033[1m==> %s\033[0m\n' "$*"; }
warn() { printf '\033[1;33mWARNING: %s\033[0m\n' "$*" >&2; }
die()  { printf '\033[1;31mERROR: %s\033[0m\n' "$*" >&2; exit 1; }

# record NAME STATUS DETAIL: one line per check, counted by tools/summary.
# STATUS is "pass" or "fail"; DETAIL says what was checked.
record() {
	mkdir -p "$RESULTS"
	printf '%s %s\n' "$2" "$3" >> "$RESULTS/$1"
}

# The files this project adds to or changes in the kernel tree.
our_files() {
	git -C "$TREE" diff --name-only --diff-filter=AM base HEAD
}

# A fingerprint of linux/ and patches/, taken when the tree is made, so
# that export never overwrites edits made there since.
sources_fingerprint() {
	(cd "$TOP" && find linux patches -type f -print0 | LC_ALL=C sort -z |
		xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
}

# The guest's ram disk, /dev/ram0, for the pin test and the demo: 64 MiB
# (rd_size is in KiB); brd allocates a page when it is first written.
GUEST_BRD=(brd.rd_nr=1 brd.rd_size=65536)

# guest_programs OUT PROGRAM...: the sample driver (linux/samples/scamem/),
# built out of tree against the kernel in OUT, and the test programs (see
# test_programs).
guest_programs() {
	local out=$1 sample=$1/scamem-sample
	rm -rf "$sample"
	cp -r "$TOP/linux/samples/scamem" "$sample"
	if make -s -C "$TREE" O="$out" ARCH=x86_64 CC="ccache gcc" M="$sample" \
			CONFIG_SAMPLE_SCAMEM=m modules > "$BUILD/logs/scamem-sample.log" 2>&1; then
		extra+=("$sample/scamem_sample.ko")
	else
		broken+=("the sample driver does not build (see build/logs/scamem-sample.log)")
	fi
	test_programs "$@"
}

# test_programs OUT PROGRAM...: tests/guest/PROGRAM.c as a static program
# in OUT, for tools/initramfs.  Appends the files that built to the array
# "extra" and a sentence for each that did not to the array "broken"; the
# logs go to build/logs/.
test_programs() {
	local out=$1 prog
	shift
	for prog; do
		rm -f "$out/$prog"
		if gcc -static -O2 -Wall -o "$out/$prog" "$TOP/tests/guest/$prog.c" \
				"$TOP/tests/guest/scamem-guest.c" -luring \
				> "$BUILD/logs/$prog.log" 2>&1; then
			extra+=("$out/$prog")
		else
			broken+=("$prog does not build (see build/logs/$prog.log)")
		fi
	done
}

# The unpatched tree: a second work tree of $TREE at "base", made once.
# Debian's .gitignore ignores every top-level path ("/*"); the line goes,
# as mktree drops it from the patched tree.
base_tree() {
	[ -d "$BASE_TREE" ] && return
	git -C "$TREE" worktree add -q --detach "$BASE_TREE" base
	sed -i '\|^/\*$|d' "$BASE_TREE/.gitignore"
}
