#!/usr/bin/env bash
# Sourced by start.sh and venv.sh. resolve_release: the Nova release to run, NOVA_RELEASE
# (default 34.0.0), and RELEASE_DIR, where its package set is: 34.0.0 in requirements.txt and
# constraints.txt beside this file, any other release in releases/<version>/. A release without
# one is refused (exit 2) with the list of known releases. Needs HERE and PROG.
known_releases() {
    local r
    printf '34.0.0'
    for r in "$HERE"/releases/*/constraints.txt; do
        [ -e "$r" ] && printf ', %s' "$(basename "$(dirname "$r")")"
    done
}
resolve_release() {
    NOVA_RELEASE="${NOVA_RELEASE:-34.0.0}"
    if [ "$NOVA_RELEASE" = 34.0.0 ]; then
        RELEASE_DIR="$HERE"
    else
        RELEASE_DIR="$HERE/releases/$NOVA_RELEASE"
        case "$NOVA_RELEASE" in
            *[!0-9.]*|'') RELEASE_DIR="" ;;
        esac
        if [ -z "$RELEASE_DIR" ] || [ ! -f "$RELEASE_DIR/constraints.txt" ] || [ ! -f "$RELEASE_DIR/requirements.txt" ]; then
            echo "$PROG: unknown Nova release '$NOVA_RELEASE'; known releases: $(known_releases) (a release needs sandbox/nova/releases/<version>/requirements.txt and constraints.txt)" >&2
            exit 2
        fi
    fi
}
