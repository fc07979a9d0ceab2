# shellcheck shell=bash
# bash completion for thrctl: commands, options, and the job names of the thrd that thrctl on
# this command line would talk to. Installed as share/bash-completion/completions/thrctl,
# where bash-completion loads it the first time thrctl is completed; without that package,
# `source` it from ~/.bashrc. zsh should be able to use it too, after `autoload -U
# bashcompinit && bashcompinit` (not tested: there is no zsh in CI).
#
# It uses only bash itself (no _init_completion, which needs the bash-completion package), so
# it also works where that is not installed, and the test can call it directly.

# Job names of the thrd at the socket given by $@ (empty, or -s PATH), one a line. From
# `thrctl --json status` without python or jq: job names are 1 to 64 of A-Za-z0-9_.-, so a
# "name":"..." pair never holds a quote or a backslash, and a string value that merely
# contains the text "name":"x" is escaped in JSON (\"name\":\"x\") and does not match. A short
# --timeout keeps a stuck or absent daemon from hanging the shell: no names, then.
_thrctl_jobs() {
  local thrctl=$1
  shift
  "$thrctl" "$@" --timeout 2s --json status 2>/dev/null |
    grep -o '"name":"[A-Za-z0-9_.-]*"' | cut -d'"' -f4
}

_thrctl() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev="" prev2=""
  ((COMP_CWORD >= 1)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
  ((COMP_CWORD >= 2)) && prev2=${COMP_WORDS[COMP_CWORD - 2]}
  COMPREPLY=()

  # The command as typed (e.g. ./build/thrctl), so that names come from the same binary; a
  # leading ~/ is not expanded in COMP_WORDS.
  local thrctl=${COMP_WORDS[0]}
  # shellcheck disable=SC2088 # a literal ~ is what is matched here
  [[ $thrctl == "~/"* ]] && thrctl=$HOME/${thrctl#"~/"}

  # The words before the cursor: the command, the names already given, --all, and -s PATH
  # (options may come after the command too: thrctl lets them fall through). bash splits
  # --socket=PATH into "--socket" "=" "PATH" (= is in COMP_WORDBREAKS), hence the "=" cases.
  local i w cmd="" all=0 socket=() given=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    case $w in
      -s | --socket | --timeout | -n | --lines | --interval)
        # The value is the next word, or the one after an "=".
        if [[ ${COMP_WORDS[i + 1]-} == "=" ]]; then i=$((i + 1)); fi
        if ((i + 1 < COMP_CWORD)); then
          i=$((i + 1))
          [[ $w == -s || $w == --socket ]] && socket=(-s "${COMP_WORDS[i]}")
        fi
        ;;
      --all) all=1 ;;
      -*) ;;
      *)
        if [[ -z $cmd ]]; then cmd=$w; else given+=("$w"); fi
        ;;
    esac
  done

  # The value of an option.
  if [[ $prev == "=" ]]; then
    prev=$prev2
  elif [[ $cur == "=" ]]; then
    cur=""
  fi
  case $prev in
    -s | --socket)
      compopt -o filenames 2>/dev/null || true  # outside a real completion (tests)
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      return 0
      ;;
    --timeout | -n | --lines | --for | --interval)
      return 0  # a duration or a count: nothing sensible to offer
      ;;
    --state)
      mapfile -t COMPREPLY < <(compgen -W "running paused stopped killed failed" -- "$cur")
      return 0
      ;;
  esac

  local global="-s --socket --json --timeout --help --version"
  local words=""
  if [[ -z $cmd ]]; then
    if [[ $cur == -* ]]; then
      words=$global
    else
      words="status show pause resume stop kill start restart run logs history events wait reload metrics ping"
    fi
  elif [[ $cur == -* ]]; then
    case $cmd in
      pause) words="--all --freeze" ;;
      resume | stop | kill | start | restart) words="--all" ;;
      logs) words="-n --lines -f --follow" ;;
      show | history) words="-n --lines" ;;
      status) words="-w --watch --interval" ;;
      wait) words="--state --for" ;;
    esac
    words+=" -s --socket --json --timeout --help"
  else
    case $cmd in
      status | show | pause | resume | stop | kill | start | restart | run | wait | events)
        ((all)) && return 0  # --all excludes names
        ;;
      logs | history)
        ((${#given[@]} == 0)) || return 0  # one job only
        ;;
      *) return 0 ;;  # reload, metrics, ping, or an unknown command: no arguments
    esac
    # Every job, less those already on the line.
    local name g
    while IFS= read -r name; do
      for g in "${given[@]}"; do [[ $g == "$name" ]] && continue 2; done
      words+=" $name"
    done < <(_thrctl_jobs "$thrctl" "${socket[@]}")
  fi
  mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
  return 0
}

complete -F _thrctl thrctl
