# bash completion for fleetscan. Installed by `make install` into
# $(PREFIX)/share/bash-completion/completions/fleetscan; to try it: source docs/completion/fleetscan.bash
# Keep in step with `fleetscan scan --help`: tests/docs/check_docs.sh fails when an option or a
# --fail-on word is missing here.

_fleetscan_fail_on_words="not-ok unreachable timeout auth_failed hostkey_rejected error tier1 tier1-preview tier2 unsupported tier-unknown engine-recommended engine-best-effort engine-unsupported engine-missing engine-unknown not-ready ready-unknown none"

_fleetscan_scan_options="-o --output -l --user -i --identity --known-hosts --host-key-check -p --parallel --connect-timeout --timeout --max-output -q --quiet --fail-on --rules --shard --rescan-failed -F --jump --no-agent --passphrase-file --password-file -h --help"

# --fail-on takes a comma-separated list: complete the word after the last comma.
_fleetscan_fail_on()
{
    local cur=$1 done_part="" word
    if [[ $cur == *,* ]]; then
        done_part=${cur%,*},
        cur=${cur##*,}
    fi
    COMPREPLY=()
    for word in $_fleetscan_fail_on_words; do
        [[ $word == "$cur"* ]] && COMPREPLY+=("$done_part$word")
    done
    compopt -o nospace 2>/dev/null
}

_fleetscan()
{
    local cur prev cmd
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    cmd=${COMP_WORDS[1]}
    # --opt=value: bash splits at '=', so the option is the word before it.
    if [[ $prev == "=" && $COMP_CWORD -ge 2 ]]; then
        prev=${COMP_WORDS[COMP_CWORD-2]}
    elif [[ $cur == "=" ]]; then
        prev=${COMP_WORDS[COMP_CWORD-1]}
        cur=""
    fi

    if [[ $COMP_CWORD -eq 1 ]]; then
        COMPREPLY=($(compgen -W "scan probe rules merge classify diff --help --version" -- "$cur"))
        return
    fi
    case $cmd in
    probe)
        if [[ $prev == --print ]]; then
            COMPREPLY=($(compgen -W "linux windows-cmd windows-powershell" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "--print" -- "$cur"))
        fi
        return
        ;;
    rules)
        if [[ $COMP_CWORD -eq 2 ]]; then
            COMPREPLY=($(compgen -W "show" -- "$cur"))
        elif [[ $prev == show ]]; then
            COMPREPLY=($(compgen -W "$(fleetscan rules 2>/dev/null | awk 'NR > 1 {print $1}')" -- "$cur"))
            COMPREPLY+=($(compgen -f -X '!*.json' -- "$cur"))
        fi
        return
        ;;
    merge | classify | diff)
        case $prev in
        -o | --output) COMPREPLY=($(compgen -f -- "$cur")) ;;
        --format) COMPREPLY=($(compgen -W "text csv json" -- "$cur")) ;;
        --rules) COMPREPLY=($(compgen -W "$(fleetscan rules 2>/dev/null | awk 'NR > 1 {print $1}')" -- "$cur")) ;;
        *)
            if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W "-o --output --rules --format -h --help" -- "$cur"))
            else
                COMPREPLY=($(compgen -f -X '!*.json' -- "$cur"))
            fi
            ;;
        esac
        return
        ;;
    scan) ;;
    *) return ;;
    esac
    case $prev in
    -o | --output)
        COMPREPLY=($(compgen -d -- "$cur"))
        return
        ;;
    -i | --identity | --known-hosts | --rescan-failed | -F | --passphrase-file | --password-file)
        COMPREPLY=($(compgen -f -- "$cur"))
        return
        ;;
    --host-key-check)
        COMPREPLY=($(compgen -W "strict accept-new off" -- "$cur"))
        return
        ;;
    --rules)
        COMPREPLY=($(compgen -W "$(fleetscan rules 2>/dev/null | awk 'NR > 1 {print $1}')" -- "$cur"))
        COMPREPLY+=($(compgen -f -X '!*.json' -- "$cur"))
        return
        ;;
    --fail-on)
        _fleetscan_fail_on "$cur"
        return
        ;;
    --jump)
        COMPREPLY=($(compgen -A hostname -- "$cur"))
        return
        ;;
    -l | --user)
        COMPREPLY=($(compgen -u -- "$cur"))
        return
        ;;
    -p | --parallel | --connect-timeout | --timeout | --max-output | --shard)
        return
        ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$_fleetscan_scan_options" -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}

complete -o filenames -F _fleetscan fleetscan
