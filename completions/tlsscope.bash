# bash completion for tlsscope(1): commands, each command's options, the
# values of --format, --color, --fail-on, --reader, --min/--max, --starttls,
# files for FILE arguments, directories for DIR, interfaces for capture -i.
# Installed as share/bash-completion/completions/tlsscope (bash-completion
# loads it on first use), or `source` it from ~/.bashrc. Needs nothing from
# bash-completion itself.
#
# The lists below are checked against the parsers in src/cli/ and the format
# table in src/report/formats.c by tests/e2e/options_documented.py: an option
# added there fails that test until it is added here.

_tlsscope_commands="read capture client server demo probe rules help version"
_tlsscope_formats="text verbose json summary zeek zeek-json ecs eve html"
_tlsscope_format_opts="--text -v --verbose --json --summary --format --output-dir --html"
_tlsscope_common_opts="--color --colour --max-flows --max-memory --flow-buffer --idle-timeout --fail-on -q --quiet -h --help"
_tlsscope_decrypt_opts="--keylog --rsa-key --data --export-streams"
_tlsscope_peer_opts="--dtls --dtls1.2 --dtls1.0 --mtu --tls1.2 --tls1.3 --min --max --ciphers --ciphersuites --groups
    --cert --key --keylog --pcap --pcapng"

# The options of command $1, one word each.
_tlsscope_options()
{
    case $1 in
    read)
        echo "$_tlsscope_format_opts $_tlsscope_common_opts $_tlsscope_decrypt_opts --progress --no-progress
            -j --jobs --reader"
        ;;
    capture)
        echo "$_tlsscope_format_opts $_tlsscope_common_opts $_tlsscope_decrypt_opts -i --interface -w --write
            -c --count"
        ;;
    client)
        echo "$_tlsscope_format_opts $_tlsscope_common_opts $_tlsscope_peer_opts --sni --no-sni --alpn --cafile
            --legacy --reconnect --send -k --insecure --no-verify --timeout"
        ;;
    server)
        echo "$_tlsscope_format_opts $_tlsscope_common_opts $_tlsscope_peer_opts --port --bind --chain --name
            --ticket-lifetime --no-tickets --request-cert --echo --http --max-clients --handshake-timeout --count"
        ;;
    demo) echo "--classic --tls13 --legacy --dtls --dir --pcapng -h --help" ;;
    probe)
        echo "--sni --no-sni --starttls -4 -6 --timeout --rate --max-connections --ca --pcap --text -v --verbose
            --json --summary --fail-on --color --colour -q --quiet -h --help"
        ;;
    rules) echo "--json -h --help" ;;
    esac
}

# Complete the value of option $2 of command $1 from $3; 0 when $2 takes a
# value (completed or not), 1 when it does not.
_tlsscope_value()
{
    local cmd=$1 opt=$2 cur=$3
    case $opt in
    --format) COMPREPLY=($(compgen -W "$_tlsscope_formats" -- "$cur")) ;;
    --color | --colour) COMPREPLY=($(compgen -W "auto always never" -- "$cur")) ;;
    --fail-on) COMPREPLY=($(compgen -W "info low medium high" -- "$cur")) ;;
    --reader) COMPREPLY=($(compgen -W "auto libpcap" -- "$cur")) ;;
    --min | --max) COMPREPLY=($(compgen -W "1.0 1.1 1.2 1.3" -- "$cur")) ;;
    --starttls) COMPREPLY=($(compgen -W "smtp imap pop3 ftp xmpp ldap postgres" -- "$cur")) ;;
    -i | --interface)
        [ "$cmd" = capture ] || return 1
        local ifs
        ifs=$(command ls /sys/class/net 2>/dev/null)
        COMPREPLY=($(compgen -W "any $ifs" -- "$cur"))
        ;;
    --keylog | --rsa-key | -w | --write | --pcap | --pcapng | --cert | --key | --cafile | --ca | --chain | --html)
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -f -- "$cur"))
        ;;
    --output-dir | --export-streams | --dir)
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -d -- "$cur"))
        ;;
    --max-flows | --max-memory | --flow-buffer | --idle-timeout | -j | --jobs | -c | --count | --mtu | \
        --sni | --alpn | --ciphers | --ciphersuites | --groups | --send | --timeout | --port | --bind | --name | \
        --ticket-lifetime | --max-clients | --handshake-timeout | --rate | --max-connections)
        COMPREPLY=() # a number or a free value: nothing to offer
        ;;
    *) return 1 ;;
    esac
    return 0
}

_tlsscope()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=
    COMPREPLY=()
    [ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
    if [ "$COMP_CWORD" -le 1 ]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "-h --help --version" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$_tlsscope_commands" -- "$cur"))
        fi
        return 0
    fi
    local cmd=${COMP_WORDS[1]}
    case $cmd in
    help)
        [ "$COMP_CWORD" -eq 2 ] && COMPREPLY=($(compgen -W "read capture client server demo probe rules" -- "$cur"))
        return 0
        ;;
    read | capture | client | server | demo | probe | rules) ;;
    *) return 0 ;;
    esac
    # --opt=value: bash splits it at '=' (COMP_WORDBREAKS), or keeps it whole
    if [ "$cur" = "=" ] && [[ $prev == --* ]]; then
        cur=
    elif [ "$prev" = "=" ] && [ "$COMP_CWORD" -ge 3 ]; then
        prev=${COMP_WORDS[COMP_CWORD - 2]}
    elif [[ $cur == --*=* ]]; then # '=' is not a word break here: answer whole words
        prev=${cur%%=*}
        cur=${cur#*=}
        if _tlsscope_value "$cmd" "$prev" "$cur"; then
            [ ${#COMPREPLY[@]} -eq 0 ] || COMPREPLY=("${COMPREPLY[@]/#/$prev=}")
            return 0
        fi
        return 0
    fi
    _tlsscope_value "$cmd" "$prev" "$cur" && return 0
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_tlsscope_options "$cmd")" -- "$cur"))
        return 0
    fi
    case $cmd in
    read) # capture files
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -f -- "$cur"))
        ;;
    *) COMPREPLY=() ;; # a BPF filter, HOST[:PORT], or nothing
    esac
    return 0
}

complete -F _tlsscope tlsscope
