#!/bin/sh
# check_docs.sh FLEETSCAN SOURCE_DIR: the manual page and the bash completion against the binary.
#   - docs/fleetscan.1 renders without a single groff or man warning;
#   - every option `fleetscan scan --help` lists, and every --fail-on word fleetscan accepts, is
#     in the manual page and is offered by docs/completion/fleetscan.bash, so they never drift;
#   - the completion completes what a user types (options, --fail-on lists, modes);
#   - `make install-docs` puts both where man and bash-completion look.
set -u
bin=$1
src=$2
man_page=$src/docs/fleetscan.1
completion=$src/docs/completion/fleetscan.bash
failed=0
fail() { echo "check_docs: $*" >&2; failed=1; }

# ---- rendering -------------------------------------------------------------------------------
warnings=$(groff -ww -man -Tutf8 "$man_page" 2>&1 >/dev/null)
[ -z "$warnings" ] || fail "groff -ww warns about $man_page:
$warnings"
if command -v man >/dev/null; then
    warnings=$(MANWIDTH=80 man --warnings -E UTF-8 -l "$man_page" 2>&1 >/dev/null)
    [ -z "$warnings" ] || fail "man --warnings warns about $man_page:
$warnings"
fi
lines=$(MANWIDTH=80 man -l "$man_page" 2>/dev/null | wc -l)
[ "$lines" -gt 100 ] || fail "$man_page renders to $lines lines only"

# ---- the options and words of the binary -----------------------------------------------------
help=$("$bin" scan --help) || fail "fleetscan scan --help failed"
options=$(printf '%s\n' "$help" | grep -oE '(^|[ ,])--?[a-z][a-z-]*' | tr -d ' ,' | sort -u)
[ "$(printf '%s\n' "$options" | wc -l)" -ge 15 ] || fail "found too few options in --help: $options"
words=$("$bin" scan --fail-on no-such-word x 2>&1 >/dev/null | sed -n 's/.*list of: //p' | tr -d ',')
[ -n "$words" ] || fail "fleetscan did not list the --fail-on words"
[ "$("$bin" scan --fail-on no-such-word x >/dev/null 2>&1; echo $?)" = 2 ] ||
    fail "an unknown --fail-on word is not exit 2"

# The manual page's text, with roff's \- made a plain hyphen.
man_text=$(sed 's/\\-/-/g' "$man_page")
has_word() { # has_word TEXT WORD: WORD appears with no letter, digit, '-' or '_' around it
    printf '%s\n' "$1" | grep -qE -- "(^|[^a-z0-9_-])$2([^a-z0-9_-]|\$)"
}
for o in $options; do
    has_word "$man_text" "$o" || fail "$o (in fleetscan scan --help) is not in $man_page"
done
for w in $words; do
    has_word "$man_text" "$w" || fail "--fail-on word $w is not in $man_page"
done

# ---- completion ---------------------------------------------------------------------------------
# complete WORDS...: what the completion offers for the last word, one per line.
complete_words() {
    bash -c '
        source "$1"; shift
        COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
        _fleetscan; printf "%s\n" "${COMPREPLY[@]}"' _ "$completion" "$@"
}
offered=$(complete_words fleetscan scan -)
for o in $options; do
    case $o in --print | --version) continue ;; esac # other commands' options
    printf '%s\n' "$offered" | grep -qxF -- "$o" || fail "the completion does not offer $o"
done
offered=$(complete_words fleetscan scan --fail-on "")
for w in $words; do
    printf '%s\n' "$offered" | grep -qxF -- "$w" || fail "the completion does not offer --fail-on $w"
done
[ "$(complete_words fleetscan scan --fail-on unreachable,tier1-)" = "unreachable,tier1-preview" ] ||
    fail "the completion does not complete the word after a comma in --fail-on"
[ "$(complete_words fleetscan scan --host-key-check acc)" = "accept-new" ] ||
    fail "the completion does not complete --host-key-check"
[ "$(complete_words fleetscan scan --host-key-check = st)" = "strict" ] ||
    fail "the completion does not complete --host-key-check=MODE"
[ "$(complete_words fleetscan probe --print windows-p)" = "windows-powershell" ] ||
    fail "the completion does not complete probe --print"
[ "$(complete_words fleetscan sc)" = "scan" ] || fail "the completion does not complete commands"

# ---- make install-docs --------------------------------------------------------------------------
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
if make -s -C "$src" install-docs DESTDIR="$dest" PREFIX=/usr/local >/dev/null; then
    [ -f "$dest/usr/local/share/man/man1/fleetscan.1" ] ||
        fail "make install-docs did not install share/man/man1/fleetscan.1"
    [ -f "$dest/usr/local/share/bash-completion/completions/fleetscan" ] ||
        fail "make install-docs did not install share/bash-completion/completions/fleetscan"
else
    fail "make install-docs failed"
fi

[ $failed = 0 ] && echo "check_docs: manual page and completion match fleetscan $("$bin" --version)"
exit $failed
