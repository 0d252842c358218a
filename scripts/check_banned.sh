#!/bin/sh
# Functions this project does not use (../shared/conventions.md; curl's checksrc).
set -eu
cd "$(dirname "$0")/.."
if grep -rnE '\b(strcpy|strcat|sprintf|vsprintf|strtok|atoi|atol|sscanf|alloca|gets)\s*\(' src include tests/unit tests/fuzz 2>/dev/null; then
    echo "check-banned: banned functions found (use snprintf, strtol, bounded copies)" >&2
    exit 1
fi
echo "check-banned: no banned functions"
