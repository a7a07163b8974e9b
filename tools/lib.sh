# SPDX-License-Identifier: GPL-2.0
# Shared settings for the scamem host tools.  Sourced, not run.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
TREE=$BUILD/linux		# the patched tree: a git repository
APTDIR=$BUILD/apt		# private apt configuration, never the system's
RESULTS=$BUILD/results		# one file per check, read by tools/summary
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
