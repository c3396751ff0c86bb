# Sourced by scripts/demo.sh and scripts/demo-request.sh: print each command as a shell must read
# it (Python's shlex.join), then run it. Pasted line by line from the repository root, the printed
# commands redo the demo: "Alex Doe" stays one argument (issue 27).
BIN=${BIN:-.venv/bin}
show() { printf '\n$ %s\n' "$("$BIN/python" -c 'import shlex, sys; print(shlex.join(sys.argv[1:]))' "$@")"; }
run() { show "$@"; "$@"; }
